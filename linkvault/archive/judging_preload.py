"""What the judging workers' forkserver imports before it forks them (`judging.workers`): judging's code, loaded and
warmed once there, so that each worker starts with it instead of loading it again."""

from linkvault.archive.verdict import warm

warm()
