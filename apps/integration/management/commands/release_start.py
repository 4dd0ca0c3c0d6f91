"""`manage.py release_start --version X [--env production] [--git-commit SHA] [--migrate]`: record a release as
it starts (version, commit, migrations applied and pending, who, when: audited, listed in the admin). The
migration Job of the generated manifests runs it with --migrate: record, `migrate`, then record the outcome."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.integration.deployment.selectors import deployment_environment_get
from apps.integration.deployment.services import (
    migration_state,
    release_actor_label,
    release_finish,
    release_start,
    release_table_exists,
)
from apps.integration.models.deployment import ReleaseStatus


class Command(BaseCommand):
    help = "Record the start of a release; with --migrate, run the migrations and record how they ended."

    def add_arguments(self, parser) -> None:
        # --version names the release here: Django's own --version (print Django's version) gives way
        django_version = [action for action in parser._actions if "--version" in action.option_strings]
        parser._handle_conflict_resolve(None, [("--version", action) for action in django_version])
        parser.add_argument("--version", dest="release_version", required=True, help="The release, e.g. 2026.12.1.")
        parser.add_argument("--env", help="The DeploymentEnvironment released to (optional).")
        parser.add_argument("--git-commit", default="", help="Default: the GIT_COMMIT setting (set in the image).")
        parser.add_argument("--actor", default="", help="Who starts it. Default: RELEASE_ACTOR, else the host.")
        parser.add_argument("--migrate", action="store_true", help="Run `migrate` and record its outcome.")

    def handle(self, *args, release_version: str, env, git_commit: str, actor: str, migrate: bool, **options):
        release_version = release_version.strip()
        if not release_version or len(release_version) > 64:
            raise CommandError("--version must be 1 to 64 characters, e.g. 2026.12.1.")
        author = Actor.system(actor or release_actor_label())
        state_at_start = None
        if not release_table_exists():  # a new database: nothing can be recorded before the first migrate
            if not migrate:
                raise CommandError("No release table yet: run with --migrate (it migrates, then records).")
            state_at_start = migration_state()
            self._migrate(options)
        environment = None
        if env:
            environment = deployment_environment_get(name=env)
            if environment is None:
                raise CommandError(f"No deployment environment {env!r}: create it in the admin (Integration).")
        release = release_start(
            version=release_version,
            git_commit=(git_commit or settings.GIT_COMMIT)[:64],
            environment=environment,
            actor=author,
            state_at_start=state_at_start,
        )
        pending = len(release.pending_migrations)
        self.stdout.write(f"release {release.pk} {release.version}: {pending} pending migrations")
        if not migrate or release.status != ReleaseStatus.STARTED:
            return
        try:
            self._migrate(options)
        except Exception as error:
            release_finish(release=release, actor=author, error=f"migrate failed: {type(error).__name__}: {error}")
            raise CommandError(f"release {release.pk}: migrate failed ({error}); recorded as failed") from error
        release = release_finish(release=release, actor=author)
        self.stdout.write(f"release {release.pk} {release.version}: {release.status}")

    def _migrate(self, options) -> None:
        call_command("migrate", interactive=False, verbosity=options.get("verbosity", 1))
