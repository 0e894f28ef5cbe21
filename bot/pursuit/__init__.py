"""Working a lead after hand-off: the stage machine, its moves and who may make them."""
