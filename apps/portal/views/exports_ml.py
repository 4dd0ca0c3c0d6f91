"""The exports of the machine-learning lists (issue 17, item 4): models, training jobs, the prediction log (its
?model= filter), drift reports, experiments and bandits, read through the ml selectors as the pages read them."""

from django.utils.translation import gettext_lazy as _

from apps.core.exports import Column
from apps.ml.experiments.selectors import bandit_list, experiment_list
from apps.ml.registry.selectors import drift_list, job_list, model_list, prediction_list
from apps.portal.access import ANALYST, OFFICER
from apps.portal.list_exports import ListExport, export_view

ROLES = (OFFICER, ANALYST)

MODELS = ListExport(
    "ml-models",
    [
        Column(_("name"), "name"),
        Column(_("label"), "label"),
        Column(_("description"), "description"),
        Column(_("affects members"), "affects_members"),
        Column(_("created at (UTC)"), "created_at"),
    ],
    lambda request: model_list(),
    roles=ROLES,
)
JOBS = ListExport(
    "ml-training-jobs",
    [
        Column(_("id"), "id"),
        Column(_("model"), "model__name"),
        Column(_("status"), "status"),
        Column(_("progress"), "progress"),
        Column(_("version"), "version__number"),
        Column(_("requested by"), "requested_by_label"),
        Column(_("created at (UTC)"), "created_at"),
        Column(_("started at (UTC)"), "started_at"),
        Column(_("finished at (UTC)"), "finished_at"),
        Column(_("error"), "error"),
    ],
    lambda request: job_list(),
    roles=ROLES,
)
PREDICTIONS = ListExport(
    "ml-predictions",
    [
        Column(_("prediction id"), "prediction_id"),
        Column(_("model"), "model__name"),
        Column(_("version"), "version__number"),
        Column(_("alias"), "alias"),
        Column(_("guild id"), "tenant__guild_id"),
        Column(_("API key"), "api_key_prefix"),
        Column(_("features"), "features"),
        Column(_("output"), "output"),
        Column(_("created at (UTC)"), "created_at"),
    ],
    lambda request: prediction_list(model_name=request.GET.get("model", "")),
    roles=ROLES,
)
DRIFT = ListExport(
    "ml-drift",
    [
        Column(_("id"), "id"),
        Column(_("model"), "version__model__name"),
        Column(_("version"), "version__number"),
        Column(_("checked at (UTC)"), "checked_at"),
        Column(_("window from (UTC)"), "window_from"),
        Column(_("rows"), "rows"),
        Column(_("largest PSI"), "max_psi"),
        Column(_("threshold"), "threshold"),
        Column(_("status"), "status"),
    ],
    lambda request: drift_list(),
    roles=ROLES,
)
EXPERIMENTS = ListExport(
    "ml-experiments",
    [
        Column(_("key"), "key"),
        Column(_("hypothesis"), "hypothesis"),
        Column(_("status"), "status"),
        Column(_("metric"), "metric"),
        Column(_("variants"), "variants"),
        Column(_("sample size per variant"), "sample_size_per_variant"),
        Column(_("started at (UTC)"), "started_at"),
        Column(_("stopped at (UTC)"), "stopped_at"),
        Column(_("stop reason"), "stop_reason"),
    ],
    lambda request: experiment_list(),
    roles=ROLES,
)
BANDITS = ListExport(
    "ml-bandits",
    [
        Column(_("model"), "model_name"),
        Column(_("active"), "is_active"),
        Column(_("episode"), "current_episode"),
        Column(_("prior alpha"), "prior_alpha"),
        Column(_("prior beta"), "prior_beta"),
        Column(_("minimum share"), "minimum_share"),
        Column(_("created at (UTC)"), "created_at"),
    ],
    lambda request: bandit_list(),
    roles=ROLES,
)

models_export = export_view(MODELS)
jobs_export = export_view(JOBS)
predictions_export = export_view(PREDICTIONS)
drift_export = export_view(DRIFT)
experiments_export = export_view(EXPERIMENTS)
bandits_export = export_view(BANDITS)
