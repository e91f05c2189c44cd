export { decryptSecret, encryptSecret, maskSecret } from './secret-box';
