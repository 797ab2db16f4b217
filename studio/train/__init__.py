"""How each variant learns: losses, trainers, the run loop and the variant registry.

Nothing here reads or writes files: the run loop reports to a sink.
"""
