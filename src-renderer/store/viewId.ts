/**
 * Identifies this window's panes to the engine, so a newer run of a pane
 * supersedes its queued stale ones without touching other windows' runs.
 */
export const VIEW_ID = `view-${Math.random().toString(36).slice(2, 10)}`;
