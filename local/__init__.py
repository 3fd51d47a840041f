"""The local stack: embedded AWS (moto's server), the API, the event pump and token minting."""
