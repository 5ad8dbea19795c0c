package io.pgbftrace.cli;

import java.util.Map;

/** A command that reads the environment (PATH, PG*): {@link Main} hands it over, tests pass their own. */
abstract class EnvAware implements Main.NeedsEnv {
    protected Map<String, String> env = Map.of();

    @Override
    public void env(Map<String, String> env) {
        this.env = env;
    }
}
