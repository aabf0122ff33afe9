import type { RequestHandler } from 'express';
import type { Env } from '../../config.ts';
import { ParcoursError } from '../../errors.ts';
import type { Mapping } from '../../mapping/ast.ts';
import type { CrmName } from '../../model.ts';
import type { InstallationRow, Store } from '../../store/index.ts';
import type { ServerSettings } from '../config.ts';
import type { SecretBox } from '../../secret-box.ts';

/** What the install routes need from the service. */
export interface InstallDeps {
  env: Env;
  settings: ServerSettings;
  store: Store;
  box: SecretBox | null;
  publicUrl: () => string;
  now: () => number;
  mappingFor: (crm: CrmName) => Mapping;
  /** Who may start an install of that CRM (admin token, admin-issued link, or anyone for public installs). */
  gate: (crm: CrmName) => RequestHandler;
  /** A new or re-authorized installation (the service provisions and syncs it). */
  onInstalled: (row: InstallationRow) => void;
}

/** Storing tokens needs the key; installing without it would lose them. */
export function requireBox(box: SecretBox | null): SecretBox {
  if (!box) throw new ParcoursError('CONFIG_INVALID', 'OAuth installs need PARCOURS_SECRET_KEY (32 random bytes, base64) to store tokens encrypted');
  return box;
}
