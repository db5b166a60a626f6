/**
 * `@corpus-protocol/sdk/node`: what needs Node's file system — a durable salt store for jurors and
 * file hashing. Everything else is in the main entry, which runs in browsers too.
 */
export { FileSaltStore } from "./node/file-salt-store";
export { hashFile } from "./node/hash-file";
