"""torch.nn modules only: generators and discriminators of every variant."""
