"""Assessment: opens a case for each concern and carries it through assessment, enrichment and decision."""
