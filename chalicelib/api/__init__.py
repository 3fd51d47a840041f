"""HTTP layer: request/response models and one route module per resource."""
