package io.larch.cli;

import io.larch.config.LarchConfig;
import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.TokenBloom;
import io.larch.storage.PartIntegrity;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code larch verify}: checks every published part's files (part, rollup, bloom filter) against
 * the checksums recorded when they were written. Changes no data (it opens the catalog as a start
 * does, which brings an older catalog's schema up to date); a running server quarantines what it
 * finds damaged on its own (on first read, at scrubs, at {@code POST /admin/maintain}).
 */
@Command(name = "verify", description = "Check every part's files against their checksums (read-only). "
        + "Exit code 0: all whole; 1: damage found.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions dataDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LarchConfig config = dataDir.load(new HashMap<>());
        PrintWriter out = spec.commandLine().getOut();
        int damaged = 0;
        int unchecked = 0;
        List<PartRecord> parts;
        try (Database database = Database.open(config.metadata())) {
            PartRepository catalog = new PartRepository(database);
            parts = catalog.listPublished();
            PartFiles files = new PartFiles(config.dataDir());
            for (PartRecord part : parts) {
                if (part.checksum() == PartRecord.NO_CHECKSUM) {
                    unchecked++;
                    continue;
                }
                if (PartIntegrity.check(files.path(part), part.checksum()) != PartIntegrity.Check.WHOLE) {
                    damaged++;
                    out.println("damaged part " + part.name() + " (project " + part.projectId() + ", " + part.kind().wireName()
                            + ", " + part.rowCount() + " events): " + PartIntegrity.describeDamage(files.path(part), part.checksum()));
                }
                if (part.rollupChecksum() != PartRecord.NO_CHECKSUM && Files.exists(files.rollupPath(part))
                        && PartIntegrity.check(files.rollupPath(part), part.rollupChecksum()) != PartIntegrity.Check.WHOLE) {
                    damaged++;
                    out.println("damaged rollup of part " + part.name() + ": "
                            + PartIntegrity.describeDamage(files.rollupPath(part), part.rollupChecksum())
                            + " (the server counts from the part's rows instead)");
                }
                if (Files.exists(files.bloomPath(part)) && TokenBloom.open(files.bloomPath(part)) == null) {
                    damaged++;
                    out.println("damaged bloom filter of part " + part.name() + " (the server reads all of the part instead)");
                }
            }
            for (PartRepository.Quarantined quarantined : catalog.listQuarantined()) {
                out.println("quarantined before: part " + quarantined.part().name() + ": " + quarantined.reason());
            }
        }
        out.println(parts.size() + " parts, " + damaged + " damaged files" + (unchecked > 0
                ? ", " + unchecked + " written before checksums (not checked)" : ""));
        out.flush();
        return damaged == 0 ? 0 : 1;
    }
}
