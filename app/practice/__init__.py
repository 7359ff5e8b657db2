"""Practice sessions: the loop of learner turn → coded moves → persona state → peer reply → scorecard."""
