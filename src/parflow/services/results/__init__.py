"""What a campaign publishes: survey points (satisfaction survey import), the ranked results
per group with classification, exclusions, publication, and the CSV/XLSX exports. It may
import `services.common`, `services.lifecycle`, `services.scoring` and `services.evidence`.
"""
