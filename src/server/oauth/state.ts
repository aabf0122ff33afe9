/**
 * OAuth `state`: a random nonce, signed (so a forged one is refused before any lookup) and single use
 * (the store deletes it as it reads it). The pending install's own data (PKCE verifier, login host)
 * stays server-side, sealed, under the nonce.
 */
import { randomBytes } from 'node:crypto';
import { ParcoursError } from '../../errors.ts';
import type { CrmName } from '../../model.ts';
import type { Store } from '../../store/index.ts';
import type { SecretBox } from '../../secret-box.ts';

export const STATE_TTL_MS = 10 * 60_000;

export function issueState(store: Store, box: SecretBox, crm: CrmName, data: Record<string, string>, now: number): string {
  const nonce = randomBytes(18).toString('base64url');
  store.saveOauthState(nonce, crm, box.seal(JSON.stringify(data), `oauth-state:${nonce}`), now + STATE_TTL_MS);
  return `${nonce}.${box.sign(`${crm}.${nonce}`)}`;
}

export function consumeState(store: Store, box: SecretBox, crm: CrmName, state: string): Record<string, string> {
  const [nonce, signature] = state.split('.');
  const refused = () => new ParcoursError('AUTH_FAILED', 'the install link is invalid, expired or already used: start the install again', { crm });
  if (!nonce || !signature || !box.verify(`${crm}.${nonce}`, signature)) throw refused();
  const row = store.takeOauthState(nonce);
  if (!row || row.crm !== crm) throw refused();
  return JSON.parse(box.open(row.data, `oauth-state:${nonce}`)) as Record<string, string>;
}
