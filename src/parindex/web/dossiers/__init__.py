"""Pages of the one-stop-shop dossiers: the service index (Decision 766), overdue lists,
calendar exceptions, and the ingestion endpoint (POST /api/dossiers/batch)."""
