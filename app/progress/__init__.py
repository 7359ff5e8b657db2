"""How learners are doing: assignment status and progress, read from practice and cohorts."""
