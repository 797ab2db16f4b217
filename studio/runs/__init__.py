"""The run folder: the durable contract between the engine, the CLI, cluster jobs and the studio.

    <run>/config.toml                 the full resolved config
    <run>/metrics.jsonl               one JSON object per logged step; append-only, flushed
    <run>/events.jsonl                state changes, live setting changes, warnings, failures
    <run>/snapshots/step_0001000.png  the fixed-noise grid at that step
    <run>/checkpoints/step_0001000/   weights.safetensors + state.pt + meta.json, written whole
"""
