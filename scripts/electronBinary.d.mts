export type ElectronBinary = { ok: true; binary: string; pkgDir: string } | { ok: false; reason: string; pkgDir?: string };
export function findElectronBinary(): ElectronBinary;
