package io.larch.lifecycle;

import io.larch.model.InvalidInputException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * How long a project's data stays in each tier, by the age of a part's newest event: hot until
 * {@code hot}, warm until {@code warm}, cold (archived) until {@code deleteAfter}, then deleted.
 * A retention without a cold tier ({@code warm == deleteAfter}) never archives.
 *
 * @param preset the preset it starts from; the durations may be overridden per project
 */
public record Retention(Preset preset, Duration hot, Duration warm, Duration deleteAfter) {
    /** The shortest tier boundary: maintenance runs every few minutes, finer would not mean anything. */
    static final Duration MIN_BOUNDARY = Duration.ofHours(1);
    /** The longest an overflow project keeps anything: it catches logs for a day or three, not an archive. */
    static final Duration OVERFLOW_MAX = Duration.ofHours(72);

    /** The starting points: {@code default}, {@code overflow} (24 h, up to 72 h, no cold tier), {@code worklog}. */
    public enum Preset {
        DEFAULT(Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90)),
        OVERFLOW(Duration.ofHours(24), Duration.ofHours(24), Duration.ofHours(24)),
        WORKLOG(Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90));

        private final Duration hot;
        private final Duration warm;
        private final Duration deleteAfter;

        Preset(Duration hot, Duration warm, Duration deleteAfter) {
            this.hot = hot;
            this.warm = warm;
            this.deleteAfter = deleteAfter;
        }

        public Retention retention() {
            return new Retention(this, hot, warm, deleteAfter);
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Preset parse(String name) {
            for (Preset preset : values()) {
                if (preset.wireName().equals(name)) {
                    return preset;
                }
            }
            throw new InvalidInputException("retention preset: use one of "
                    + Arrays.stream(values()).map(Preset::wireName).toList() + ", got '" + name + "'");
        }
    }

    public static final Retention DEFAULT = Preset.DEFAULT.retention();

    /**
     * A retention from a preset with any of its durations replaced (null: the preset's), checked:
     * each boundary at least an hour, in order, an overflow project at most 72 h and never archived.
     */
    public static Retention of(Preset preset, Duration hot, Duration warm, Duration deleteAfter) {
        Retention base = preset.retention();
        Duration newDeleteAfter = deleteAfter == null ? base.deleteAfter : deleteAfter;
        Duration newWarm = warm == null ? (preset == Preset.OVERFLOW ? newDeleteAfter : base.warm) : warm;
        Duration newHot = hot == null ? (preset == Preset.OVERFLOW ? newWarm : base.hot) : hot;
        Retention retention = new Retention(preset, newHot, newWarm, newDeleteAfter);
        retention.check();
        return retention;
    }

    private void check() {
        for (Duration boundary : new Duration[] {hot, warm, deleteAfter}) {
            if (boundary.compareTo(MIN_BOUNDARY) < 0) {
                throw new InvalidInputException("retention: every boundary must be at least 1h, got " + Durations.show(boundary));
            }
        }
        if (hot.compareTo(warm) > 0 || warm.compareTo(deleteAfter) > 0) {
            throw new InvalidInputException("retention: hot (" + Durations.show(hot) + ") <= warm (" + Durations.show(warm)
                    + ") <= deleteAfter (" + Durations.show(deleteAfter) + ") must hold");
        }
        if (preset == Preset.OVERFLOW && deleteAfter.compareTo(OVERFLOW_MAX) > 0) {
            throw new InvalidInputException("retention: an overflow project keeps data at most 72h, got deleteAfter "
                    + Durations.show(deleteAfter) + "; use the default preset for longer");
        }
        if (preset == Preset.OVERFLOW && !warm.equals(deleteAfter)) {
            throw new InvalidInputException("retention: an overflow project has no cold tier; leave warm out or set it to deleteAfter");
        }
    }

    /** Whether parts are archived (there is a cold tier) before they are deleted. */
    public boolean archives() {
        return deleteAfter.compareTo(warm) > 0;
    }

    /** The tier of a part whose newest event is at {@code newestTs}, at {@code now}. */
    public Tier tierOf(long newestTs, long now) {
        long age = now - newestTs;
        if (age >= deleteAfter.toMillis()) {
            return Tier.EXPIRED;
        }
        if (age >= warm.toMillis()) {
            return Tier.COLD;
        }
        return age >= hot.toMillis() ? Tier.WARM : Tier.HOT;
    }
}
