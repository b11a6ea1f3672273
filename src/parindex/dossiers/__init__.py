"""One-stop-shop dossiers, the working-day calendar and the service index (Decision 766)."""
