/** The part of s3rver 3.7 (a CommonJS package without types) the integration tests use. */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  export interface S3rverOptions {
    /** 0 picks a free port. */
    readonly port?: number;
    readonly address?: string;
    readonly silent?: boolean;
    /** Folder holding the buckets. */
    readonly directory: string;
    readonly resetOnClose?: boolean;
    readonly configureBuckets?: readonly { readonly name: string; readonly configs?: readonly (string | Buffer)[] }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the configured buckets and listens; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
