package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.time.Instant;

/** Turns maintenance mode on or off in etcd: what {@code ha pause} and {@code ha resume} do. */
final class HaMaintenance {
    private HaMaintenance() {}

    static int set(HaCommand ha, boolean pause) throws Exception {
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings = HaSupport.settings(config, false);
        String cluster = "cluster " + settings.cluster();
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            if (dcs.read().paused() == pause) {
                System.out.println(cluster + (pause ? " is already" : " is not") + " in maintenance mode");
            } else if (pause) {
                dcs.pause(Instant.now());
                System.out.println(cluster + " is in maintenance mode: no automatic failover until 'pgvault ha resume'");
            } else {
                dcs.resume();
                System.out.println(cluster + " resumed: automatic failover is on again");
            }
        }
        return ExitCode.OK.code;
    }
}
