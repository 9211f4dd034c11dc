"""The output side: Playment payload building, validation and the jobs API client."""
