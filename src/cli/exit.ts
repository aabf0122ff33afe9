/** Exit codes: 0 success, 1 nothing could be done (bad config, mapping, auth), 2 some records failed or the run stopped early. */
export const EXIT = { ok: 0, failed: 1, partial: 2 } as const;
