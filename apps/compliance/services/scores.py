"""Daily score snapshots (the trend charts): one row per framework and day, updated in place."""

from django.db import transaction
from django.utils import timezone

from apps.compliance.models import ScoreSnapshot
from apps.compliance.selectors import framework_scores


@transaction.atomic
def score_snapshots_take() -> list[ScoreSnapshot]:
    """Store today's score of every framework (taking it again the same day updates that day's row)."""
    today = timezone.now().date()
    snapshots = []
    for row in framework_scores():
        snapshot, _ = ScoreSnapshot.objects.update_or_create(
            framework_id=row["id"],
            day=today,
            defaults={
                "score": row["score"],
                "passing": row["passing"],
                "failing": row["failing"] + row["error"],
                "attested": row["attested"],
                "manual": row["manual"],
                "total": row["requirement_count"],
            },
        )
        snapshots.append(snapshot)
    return snapshots
