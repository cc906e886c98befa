export {
  AuthService,
  ROLES,
  toAuthUser,
  type AuthServiceOptions,
  type AuthUser,
  type NewUser,
  type Role,
  type TokenPair,
  type UserUpdate,
} from './auth-service.js';
export type { ApiKeyInfo, CreatedApiKey } from './api-keys.js';
export { hashPassword, verifyPassword } from './passwords.js';
export { verifyAccessToken, type AccessClaims } from './tokens.js';
