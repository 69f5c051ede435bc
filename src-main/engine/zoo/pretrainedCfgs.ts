import type { PretrainedCfg } from './model';
import table from './pretrainedCfgs.json';

/**
 * timm's pretrained_cfg facts per architecture (hub id, mean, std, input size,
 * crop_pct, interpolation, licence), default tag first. The JSON is data read
 * off timm's default_cfgs; `hfHubId` is null where timm publishes no weights.
 */
type Row = Omit<PretrainedCfg, 'hfHubId'> & { hfHubId: string | null };

export function pretrainedCfgs(architecture: string): PretrainedCfg[] {
  const rows = (table as unknown as Record<string, Row[]>)[architecture];
  if (!rows || rows.length === 0) throw new Error(`no pretrained_cfg facts for '${architecture}'`);
  return rows.map((r) => ({ ...r, hfHubId: r.hfHubId ?? '' }));
}
