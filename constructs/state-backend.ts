import { LocalBackend } from 'cdktf/lib/backends/local-backend';
import { PgBackend } from 'cdktf/lib/backends/pg-backend';
import { S3Backend } from 'cdktf/lib/backends/s3-backend';
import type { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { BackendConfig } from '../config';

/**
 * Configures where a stack keeps its state. One state per stack, so one site's deploy never
 * locks another's. Credentials always come from the environment (AWS_* for s3, PG_CONN_STR for pg).
 */
export function configureStateBackend(stack: TerraformStack, stackId: string, backend: BackendConfig): void {
  switch (backend.type) {
    case 'local':
      new LocalBackend(stack, { path: `${backend.directory}/${stackId}.tfstate` });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stackId}.tfstate`,
        region: backend.region,
        encrypt: true,
        ...(backend.endpoint
          ? { endpoints: { s3: backend.endpoint }, usePathStyle: true, skipCredentialsValidation: true, skipRegionValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: true }
          : {}),
      });
      // Native S3 lock files (Terraform >= 1.10); cdktf 0.21's typed config predates the option.
      stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'pg': {
      new PgBackend(stack, { connStr: '', schemaName: `${backend.schemaPrefix}_${stackId.replace(/-/g, '_')}` });
      // The connection string holds a password: Terraform reads it from PG_CONN_STR instead.
      stack.addOverride('terraform.backend.pg.conn_str', undefined);
      return;
    }
  }
}
