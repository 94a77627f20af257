// Named limits and defaults of the allocator. Going past a limit the master controls (offers per
// framework) is an operating condition the allocator respects; a view that breaks one of the
// relations checked in `assertView` is a programming error in whoever built it.

/** Outstanding offers one framework may hold before the allocator stops offering it more. */
export const offersPerFrameworkMaxDefault = 50;

/** Mesos `--allocation_interval` default. */
export const allocationIntervalMsDefault = 1000;

/** What a decline without `refuse_seconds` filters for (Mesos `Filters.refuse_seconds` default). */
export const refuseSecondsDefault = 5;

/** The longest a decline filter may last; Mesos clamps `refuse_seconds` to 365 days. */
export const refuseFilterDurationMsMax = 365 * 24 * 60 * 60 * 1000;

/** Mesos `--max_oversubscription` default: allocated plus offered cpus stay within the cores. */
export const maxOversubscriptionDefault = 1.0;

/** Highest oversubscription factor accepted; Infinity (no cap at all) is allowed separately. */
export const maxOversubscriptionMax = 100;

/**
 * Decline filters kept per (framework, role, agent). A filter is only a hint that saves offers,
 * so past the limit the oldest is dropped rather than the decline refused.
 */
export const filtersPerFrameworkAgentMax = 16;

/** Alternatives in `--min_allocatable_resources`, and quantities in one alternative. */
export const minAllocatableAlternativesMax = 64;
export const minAllocatableQuantitiesMax = 64;

/** Roles one framework may subscribe to (Mesos has no limit; a bound keeps the sorters small). */
export const rolesPerFrameworkMax = 1024;
