/** VS Code's validatedIpcMain idea: only our own top-level page may call the engine. */
import { isAppUrl } from './appProtocol';

export interface SenderFrameLike {
  url: string;
  /** The frame's parent; null for a top-level frame. */
  parent: unknown;
}

export function isTrustedSender(frame: SenderFrameLike | null | undefined): boolean {
  if (!frame || frame.parent) return false;
  return isAppUrl(frame.url);
}
