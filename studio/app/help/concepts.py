"""The texts of Help → Concepts: one short page per idea the studio shows, written for a learner
following a GAN course. Formulas in Unicode; links between pages as concept:KEY."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """One page: its title, a one-line summary for the index, HTML paragraphs, one figure."""

    key: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]  # HTML blocks (plain text becomes a paragraph)
    figure: str  # a name in figures.FIGURES
    caption: str
    sources: str
    see_also: tuple[str, ...] = ()
    figure_at: int = 1  # the figure goes before paragraphs[figure_at]


def _f(text: str) -> str:
    """A formula on a line of its own."""
    return f'<p class="formula">{text}</p>'


CONCEPTS: dict[str, Concept] = {c.key: c for c in (
    Concept(
        "gan", "GAN: two players",
        "A generator makes samples, a discriminator judges them, each learns from the other.",
        ("A generative adversarial network trains two networks against each other. The "
         "<b>generator</b> G turns random noise z, drawn from a simple distribution such as a "
         "standard Gaussian, into a sample G(z). The <b>discriminator</b> D looks at a sample "
         "and outputs D(x), its probability that x came from the real data rather than from G.",
         "D is trained to tell real from fake; G is trained to make D wrong. G never sees the "
         "data itself: it learns only from the gradient that flows back through D's verdict. "
         "Training alternates: a step of D on a batch of real and a batch of fake samples, "
         "then a step of G. If both had unlimited capacity and D were always at its best, G's "
         "distribution p_g would end up equal to the data's, p_data: the equilibrium of "
         'the <a href="concept:minimax">minimax game</a>. Real networks are finite and take '
         "small alternating steps, so training can oscillate, let one player overpower the "
         'other, or fall into <a href="concept:mode_collapse">mode collapse</a>.',
         "In the Monitor, <i>D loss</i> and <i>G loss</i> are what each optimiser minimises, "
         "and <i>D outputs</i> shows the mean D(x) on real and D(G(z)) on fake samples. For "
         "2-D data the game view colours the plane by D's verdict: green where D says real, "
         "purple where it says fake, pale where it cannot tell."),
        "players", "Noise goes through G; D sees fakes and real data; G improves through D's "
        "gradient.", "Goodfellow et al., Generative Adversarial Nets, 2014.",
        ("minimax", "non_saturating", "mode_collapse")),
    Concept(
        "minimax", "The minimax value and its equilibrium",
        "V(D, G), the best D for a given G, and why the Monitor draws ½ and −log 4.",
        ("The two players of a <a href=\"concept:gan\">GAN</a> play for one value:",
         _f("V(D, G) = E<sub>x∼p_data</sub>[log D(x)] + E<sub>z</sub>[log(1 − D(G(z)))]"),
         "D maximises V, G minimises it: min<sub>G</sub> max<sub>D</sub> V(D, G). For a fixed "
         "G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)): near 1 where "
         "only data lives, near 0 where only fakes do. Put back into V it gives",
         _f("V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g)"),
         "where the Jensen–Shannon divergence JSD is zero exactly when p_g = p_data. So the "
         "game's equilibrium is G reproducing the data; then D* = ½ everywhere and "
         "V = log ½ + log ½ = −log 4 ≈ −1.386.",
         "The Monitor's dashed lines mark that point: ½ on <i>D outputs</i>, where D(x) and "
         "D(G(z)) meet when D can only guess, and −log 4 on <i>The minimax game</i>. The "
         "plotted V uses the current D, not D*, so it is an estimate: V can dip below −log 4 "
         "while D is unsure, and D(x) ≈ D(G(z)) ≈ ½ can also mean D has stopped learning. "
         "Read the lines together with the samples."),
        "densities", "Left: D* is high where data outweighs fakes. Right: once p_g = p_data, "
        "D* = ½ everywhere.",
        "Goodfellow et al., Generative Adversarial Nets, 2014 (Proposition 1, Theorem 1).",
        ("gan", "non_saturating"), figure_at=5),
    Concept(
        "non_saturating", "Why the non-saturating loss",
        "G maximises log D(G(z)) instead of minimising log(1 − D(G(z))): a strong gradient "
        "when G is losing.",
        ('In the <a href="concept:minimax">minimax game</a> G minimises '
         "E[log(1 − D(G(z)))]. Early in training G's samples are poor, D rejects them "
         "confidently and D(G(z)) is close to 0. There the loss hardly moves: with "
         "D = σ(l) for D's logit l,",
         _f("∂/∂l log(1 − σ(l)) = −σ(l) = −D(G(z)) → 0"),
         "so G learns almost nothing exactly when it most needs to. Goodfellow et al. proposed "
         "that G instead maximise log D(G(z)), that is, minimise −log D(G(z)):",
         _f("∂/∂l (−log σ(l)) = −(1 − D(G(z))) → −1"),
         "steep where the minimax loss is flat. Both losses push D(G(z)) up and have the same "
         "fixed point, but the non-saturating one gives G a useful signal early on. It is the "
         "studio's default.",
         "With the minimax loss the G loss in the Monitor is log(1 − D(G(z))), which is never "
         "positive, so its curve lies below zero. The loss can be switched while a run trains; "
         "the doctor suggests the non-saturating loss when D wins under minimax."),
        "g_losses", "Left: the two G losses over D(G(z)). Right: how much gradient reaches "
        "G through D's logit. Shaded: where training starts.",
        "Goodfellow et al., Generative Adversarial Nets, 2014 (§3); Goodfellow, NIPS 2016 "
        "Tutorial: Generative Adversarial Networks, 2016.",
        ("minimax", "gan"), figure_at=5),
    Concept(
        "cgan", "Conditional GAN",
        "Both players are told the class label, so you choose what G makes.",
        ("A conditional GAN gives both players extra information y, here a class label. "
         "G(z, y) makes a sample for class y; D(x, y) judges whether x is a real sample "
         "<i>of class y</i>:",
         _f("V = E<sub>(x, y)</sub>[log D(x, y)] + E<sub>z, y</sub>[log(1 − D(G(z, y), y))]"),
         "Because D punishes a convincing sample with the wrong label, G must learn the "
         "data's distribution p(x | y) for every class. When generating, y picks the class "
         "and z controls everything the label leaves open: thickness, slant, pose, colour.",
         "In the studio G receives a learned embedding of the label joined to z. D is "
         "conditioned either by joining the label to its input, or by projection (Miyato and "
         "Koyama 2018), which adds ⟨embed(y), φ(x)⟩ to D's logit, comparing D's features "
         "φ(x) with the label's embedding.",
         "A common failure: if the label overpowers z, every sample of a class looks nearly "
         "the same; this is <a href=\"concept:mode_collapse\">mode collapse</a> inside each "
         "class, and a per-class diversity figure reveals it."),
        "conditional", "The label y goes to both G and D.",
        "Mirza and Osindero, Conditional Generative Adversarial Nets, 2014; Miyato and "
        "Koyama, cGANs with Projection Discriminator, 2018.",
        ("gan", "mode_collapse"), figure_at=3),
    Concept(
        "dcgan", "DCGAN",
        "Guidelines that made convolutional GANs train stably.",
        ("Radford, Metz and Chintala found a recipe under which convolutional GANs train "
         "reliably across datasets:",
         "<ul><li>no pooling: D downsamples with strided convolutions, G upsamples with "
         "transposed (fractionally strided) convolutions;</li>"
         "<li>batch normalisation in both, except G's output layer and D's input layer;</li>"
         "<li>no fully connected hidden layers;</li>"
         "<li>ReLU in G with Tanh on the output, LeakyReLU (slope 0.2) in D;</li>"
         "<li>Adam with learning rate 0.0002 and β1 = 0.5.</li></ul>",
         "G projects z to a small stack of many channels, say 4×4×512; each layer then "
         "doubles the side and halves the channels until the image appears. D mirrors this "
         "and ends in one logit. Convolutions share their weights across positions, so a "
         "pattern such as an edge or a texture is learnt once and used everywhere.",
         "The paper also showed that z behaves like a space of meanings: walking in z "
         "changes images smoothly, and arithmetic such as “smiling woman − neutral woman + "
         "neutral man” gives a smiling man. Its Adam settings are the studio's defaults for "
         "GAN, cGAN and DCGAN runs."),
        "dcgan_stack", "DCGAN's generator for 64×64 images; each step doubles the side.",
        "Radford, Metz and Chintala, Unsupervised Representation Learning with Deep "
        "Convolutional GANs, 2015.",
        ("gan", "stylegan"), figure_at=2),
    Concept(
        "stylegan", "StyleGAN",
        "A mapping network, per-layer styles from w, and per-pixel noise.",
        ("StyleGAN redesigns the generator. A <b>mapping network</b> of fully connected layers "
         "turns z into an intermediate latent w in the space W. z must follow a fixed "
         "Gaussian; w need not, so W can unfold the data's factors of variation and is less "
         "entangled, which is why exploring in W works better.",
         "The <b>synthesis network</b> starts from a learned constant 4×4 block rather than "
         "from z, and doubles the resolution block by block. Every layer receives a "
         "<b>style</b>: a learned affine map A of w gives one scale per channel. StyleGAN "
         "(2019) applies it by AdaIN,",
         _f("AdaIN(x, y) = y<sub>s</sub> · (x − μ(x)) / σ(x) + y<sub>b</sub>"),
         "normalising each feature map, then scaling and shifting it. StyleGAN2 (2020) "
         "instead <b>modulates</b> the convolution weights by the scales and "
         "<b>demodulates</b> them, w′′ = w′ / √(Σ w′² + ε), which removed AdaIN's droplet "
         "artefacts.",
         "<b>Noise</b>: fresh Gaussian noise is added to every layer, scaled per channel by a "
         "learned B, so random detail such as hair or grain costs no latent capacity. "
         'Training mixes two latents (<a href="concept:style_mixing">style mixing</a>), '
         'regularises D with <a href="concept:r1">R1</a>, and samples from an '
         '<a href="concept:ema">EMA</a> of G.'),
        "stylegan_map", "z → mapping → w; the synthesis grows the image from a constant, "
        "styled by A(w) at every block, with noise through B.",
        "Karras, Laine and Aila, A Style-Based Generator Architecture for GANs, 2019; "
        "Karras et al., Analyzing and Improving the Image Quality of StyleGAN, 2020.",
        ("truncation", "style_mixing", "r1", "ema")),
    Concept(
        "r1", "R1: a penalty on D's gradient at real data",
        "Keeps D flat on the real data, so the game settles instead of circling.",
        ("R1 adds to D's loss the squared size of its gradient on real samples:",
         _f("R1 = (γ/2) · E<sub>x∼p_data</sub>[‖∇<sub>x</sub> D(x)‖²]"),
         "(here D is the logit, before the sigmoid). Mescheder, Geiger and Nowozin showed that "
         "unregularised GAN training need not converge, even on the simplest example, the "
         "Dirac-GAN: the data is one point at 0, G puts all its mass at θ, and D(x) = ψ·x. "
         "Near the equilibrium D keeps a slope at the data, G overshoots, D turns round, and "
         "the two circle the equilibrium without ever reaching it.",
         "Penalising D's gradient on real data takes that slope away where G should come to "
         "rest, and makes the equilibrium locally convergent: the circles become a spiral "
         "into it. γ sets the strength. Too small and training oscillates; too large and D "
         "becomes so smooth that it guides G poorly.",
         "StyleGAN uses R1 with its non-saturating loss. StyleGAN2 computes it only every 16th "
         "D step, with γ scaled up to match (lazy regularisation); the studio's StyleGAN does "
         "the same, and its default γ is 1 (the <i>R1 γ</i> setting; 0 turns R1 off)."),
        "r1_dynamics", "The Dirac-GAN from (θ, ψ) = (1, 1), by simultaneous gradient steps. "
        "Green: the equilibrium.",
        "Mescheder, Geiger and Nowozin, Which Training Methods for GANs do actually "
        "Converge?, 2018.",
        ("stylegan", "minimax"), figure_at=3),
    Concept(
        "ema", "EMA: an average of G's weights",
        "Samples from a smoothed copy of G are steadier and usually better.",
        ("Because the game never quite settles, G's weights jitter from step to step as G "
         "answers the current D. An exponential moving average keeps a second copy of G whose "
         "weights follow the trained ones slowly:",
         _f("θ<sub>ema</sub> ← β · θ<sub>ema</sub> + (1 − β) · θ"),
         "after every G step, with β the <i>EMA decay</i> setting. The average reaches back "
         "roughly 1 / (1 − β) steps; its half-life is ln 2 / (1 − β), about 690 steps for "
         "β = 0.999. The jitter averages out, so images from the EMA copy are usually "
         "sharper and change less from one snapshot to the next.",
         "The EMA copy is never trained and D never sees it: it is used only for sampling. "
         "In the studio, snapshots, evaluations, exploration and export use it when the run "
         "keeps one (EMA decay above 0; StyleGAN's default is 0.999). Early in a run the "
         "average lags behind, still remembering the first, random weights, so EMA samples "
         "can look worse than the raw G for the first thousand steps or so."),
        "ema_trace", "A weight of G (thin) and its EMA (thick); β is smaller here than in "
        "practice so that the lag shows.",
        "Karras et al., Progressive Growing of GANs, 2018; Yazıcı et al., The Unusual "
        "Effectiveness of Averaging in GAN Training, 2019.",
        ("stylegan", "truncation"), figure_at=3),
    Concept(
        "truncation", "Truncation ψ: fidelity against diversity",
        "Pulling w toward the average gives cleaner, more typical, less varied samples.",
        ("Rare latents lie where the training data was thin, and G draws them less well. The "
         "truncation trick avoids them by pulling every w toward the average latent:",
         _f("w′ = w̄ + ψ · (w − w̄),  w̄ = E<sub>z</sub>[mapping(z)]"),
         "with w̄ estimated from many random z. ψ = 1 leaves w untouched; smaller ψ gives "
         "images that are more typical and cleaner (higher fidelity, higher "
         '<a href="concept:precision_recall">precision</a>) but more alike (lower diversity, '
         "lower recall); ψ = 0 turns every sample into the same average image; a negative ψ "
         "gives a kind of opposite.",
         "It works better in W than in Z, because W is less entangled and a straight pull "
         "toward w̄ changes images gradually. StyleGAN applied it only to the coarse layers; "
         "the Explore tab's ψ slider pulls w, and its cutoff truncates only the first N "
         "(coarse) style layers when set.",
         "Truncation changes only how samples are drawn, never the trained G. Quality figures "
         "are normally reported at ψ = 1."),
        "truncation", "Left: samples of w and where ψ = 0.5 moves them. Right: what ψ "
        "trades.",
        "Karras, Laine and Aila, A Style-Based Generator Architecture for GANs, 2019 "
        "(appendix B); Brock, Donahue and Simonyan, Large Scale GAN Training, 2019.",
        ("stylegan", "style_mixing", "precision_recall"), figure_at=3),
    Concept(
        "style_mixing", "Style mixing: coarse, middle and fine layers",
        "Give some layers one latent and the rest another.",
        ('Every layer of a <a href="concept:stylegan">StyleGAN</a> synthesis network '
         "receives its own copy of w. Nothing forces the copies to be equal: feed w<sub>A</sub> "
         "to some layers and w<sub>B</sub> to the others, and the image takes some aspects "
         "from A and the rest from B. Which aspects depends on the resolution of the layers:",
         "<ul><li><b>coarse</b> (4² to 8²): pose, general shape, layout;</li>"
         "<li><b>middle</b> (16² to 32²): smaller features and parts;</li>"
         "<li><b>fine</b> (64² and up): colour scheme and texture.</li></ul>",
         "During training StyleGAN mixes on purpose: for a share of the samples (the mixing "
         "probability) it draws two z's and switches from one w to the other at a random "
         "layer. This keeps the network from assuming that neighbouring layers' styles go "
         "together, so the layers' effects stay separable.",
         "In the Explore tab's style mixing grid, each row seed's styles go into the chosen "
         "layers, a band (Coarse, Middle, Fine) or a custom range [from, to), and each column "
         "seed's styles fill the others. A small model has fewer layers: at 32 px there is "
         "no fine band."),
        "mixing_bands", "The ten style layers of a 64-px generator and two mixes of A and B.",
        "Karras, Laine and Aila, A Style-Based Generator Architecture for GANs, 2019 (§3.1).",
        ("stylegan", "truncation"), figure_at=2),
    Concept(
        "fd_kid", "Fréchet distance and KID",
        "One number each for how far generated images are from real ones.",
        ("Both compare real and generated images as clouds of feature vectors from a "
         "network. For FID proper that is the pool layer of the Inception-v3 network. The "
         "<b>Fréchet distance</b> fits a Gaussian to each cloud, with means μ and covariances "
         "Σ, and measures",
         _f("FD = ‖μ<sub>r</sub> − μ<sub>g</sub>‖² + Tr(Σ<sub>r</sub> + Σ<sub>g</sub> − "
            "2(Σ<sub>r</sub> Σ<sub>g</sub>)<sup>½</sup>)"),
         "0 when the Gaussians match; lower is better. It is biased: with fewer samples it "
         "comes out larger, so compare only at equal sample counts.",
         "The <b>Kernel Inception Distance</b> is the squared maximum mean discrepancy with "
         "the kernel k(a, b) = (aᵀb / d + 1)³ over d features. Its estimate is unbiased, so "
         "it does not drift with the sample count, and the studio shows its spread over "
         "subsets. Lower is better; near 0 it can dip below zero by chance.",
         "The studio writes FID and KID only with the FID Inception weights (Preferences). "
         "Without them it writes FD and KID with the name of its own feature net, trained on "
         "the dataset: good for comparing runs on that data, not comparable with published "
         "FIDs. Each figure mixes fidelity and diversity; "
         '<a href="concept:precision_recall">precision and recall</a> separate them.'),
        "frechet", "Each cloud summarised by a mean and a covariance; FD compares the two "
        "summaries.",
        "Heusel et al., GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash "
        "Equilibrium, 2017; Bińkowski et al., Demystifying MMD GANs, 2018.",
        ("precision_recall", "mode_collapse"), figure_at=3),
    Concept(
        "precision_recall", "Precision, recall, density and coverage",
        "Fidelity and diversity measured apart, from neighbourhoods in feature space.",
        ('Like <a href="concept:fd_kid">FD</a>, these compare feature vectors of real and '
         "generated images, but they report fidelity and diversity separately. Each real "
         "point gets a ball reaching to its k-th nearest real neighbour; together the balls "
         "estimate where real data lives.",
         "<ul><li><b>Precision</b>: the share of generated samples inside some real ball. "
         "How many fakes look real (fidelity).</li>"
         "<li><b>Recall</b>: the same with the roles swapped: the share of real samples "
         "inside some ball around the generated ones. How much of the data G can make "
         "(diversity).</li></ul>",
         "One odd real sample far from the others gets a huge ball that swallows many fakes, "
         "so Naeem et al. proposed two sturdier figures:",
         "<ul><li><b>Density</b>: how many real balls hold each fake, divided by k; about 1 "
         "when the two match, above 1 when fakes crowd where data is densest.</li>"
         "<li><b>Coverage</b>: the share of real samples whose own ball holds at least one "
         "fake.</li></ul>",
         "All but density lie between 0 and 1, higher is better. Lowering "
         '<a href="concept:truncation">truncation ψ</a> raises precision and lowers recall; '
         'falling recall or coverage is a sign of <a href="concept:mode_collapse">mode '
         "collapse</a>."),
        "prdc_balls", "Real points with their 3-NN balls; filled fakes lie inside one. The "
        "figures printed are computed from these points.",
        "Kynkäänniemi et al., Improved Precision and Recall Metric for Assessing Generative "
        "Models, 2019; Naeem et al., Reliable Fidelity and Diversity Metrics for Generative "
        "Models, 2020.",
        ("fd_kid", "truncation"), figure_at=2),
    Concept(
        "mode_collapse", "Mode collapse",
        "G makes only a few kinds of sample: what the doctor warns about.",
        ("Mode collapse is G mapping many different z to only a few kinds of output: a few "
         "of the eight Gaussians on a ring, a few digits, one face. G's loss rewards any "
         "sample that D currently believes; nothing in it rewards variety. So G may settle "
         "on a few favourites. D then learns to reject them, G jumps to other favourites, "
         "and the players chase each other instead of converging.",
         "The studio's doctor watches the quality evaluations and warns when G's variety "
         'falls to half its best: <a href="concept:precision_recall">recall or coverage</a>, '
         "the variety among samples, the modes covered on 2-D data, or classes that vanish "
         "from G's output (told by a classifier). Partial collapse is common too: in a "
         '<a href="concept:cgan">conditional GAN</a> the samples within a class may all look '
         "the same.",
         "What helps: a lower learning rate for G, so it stops jumping; the "
         '<a href="concept:r1">R1 penalty</a>, which steadies D; the '
         '<a href="concept:non_saturating">non-saturating loss</a>; and a minibatch '
         "standard-deviation layer in D, which lets D see when a batch lacks variety "
         "(StyleGAN's D has one). Variety rarely returns on its own once it is lost."),
        "ring_modes", "Eight Gaussians on a ring: a healthy G spreads its samples over all "
        "eight, a collapsed one over two.",
        "Goodfellow, NIPS 2016 Tutorial: Generative Adversarial Networks, 2016; Karras et "
        "al., Progressive Growing of GANs, 2018 (minibatch standard deviation).",
        ("gan", "precision_recall", "cgan")),
)}

INDEX = "index"  # the key of the page listing every concept
