"""Practice sessions: learner turn → coded moves → persona state → peer reply → scorecard."""
