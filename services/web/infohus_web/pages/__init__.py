"""The pages, one module per feature: each holds its routes and what only its pages need."""
