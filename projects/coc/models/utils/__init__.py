"""What models need at build time, below the runner plumbing of coc.engine."""
