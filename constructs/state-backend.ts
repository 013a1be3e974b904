import { isAbsolute, posix } from 'node:path';
import { LocalBackend } from 'cdktf/lib/backends/local-backend';
import { PgBackend } from 'cdktf/lib/backends/pg-backend';
import { S3Backend } from 'cdktf/lib/backends/s3-backend';
import type { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { BackendConfig } from '../config';

/**
 * App context key: the path from a stack's Terraform working directory
 * (`<outdir>/stacks/<stack id>`) back to the project root, which local state paths are relative to.
 * The synth entry point sets it from the output folder it writes to.
 */
export const PROJECT_ROOT_FROM_STACK_CONTEXT = 'ai-factory.eu/project-root-from-stack';

/** `cdktf.out/stacks/<stack id>` at the project root, the layout cdktf deploy works in. */
export const DEFAULT_PROJECT_ROOT_FROM_STACK = '../../..';

/**
 * The local state file of a stack, as Terraform resolves it from the stack's working directory.
 * Always relative (the same text on every machine) and outside the synth output, so a synth,
 * or removing `cdktf.out`, never loses state.
 */
export function localStatePath(projectRootFromStack: string, directory: string, stackId: string): string {
  const file = `${stackId}.tfstate`;
  if (isAbsolute(directory)) return posix.join(directory, file);
  return posix.join(projectRootFromStack, directory, file);
}

/**
 * Configures where a stack keeps its state. One state per stack, so one site's deploy never
 * locks another's. Credentials always come from the environment (AWS_* for s3, PG_CONN_STR for pg).
 */
export function configureStateBackend(stack: TerraformStack, stackId: string, backend: BackendConfig): void {
  switch (backend.type) {
    case 'local': {
      const rootFromStack =
        (stack.node.tryGetContext(PROJECT_ROOT_FROM_STACK_CONTEXT) as string | undefined) ?? DEFAULT_PROJECT_ROOT_FROM_STACK;
      const path = localStatePath(rootFromStack, backend.directory, stackId);
      // Non-default workspaces would otherwise live in the stack's working directory, inside cdktf.out.
      new LocalBackend(stack, { path, workspaceDir: `${path}.d` });
      return;
    }
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stackId}.tfstate`,
        region: backend.region,
        encrypt: true,
        ...(backend.endpoint
          ? {
              endpoints: { s3: backend.endpoint },
              usePathStyle: true,
              skipCredentialsValidation: true,
              skipRegionValidation: true,
              skipRequestingAccountId: true,
              skipMetadataApiCheck: true,
            }
          : {}),
      });
      // Native S3 lock files (Terraform >= 1.10); cdktf 0.21's typed config predates the option.
      stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'pg': {
      new PgBackend(stack, { connStr: '', schemaName: pgSchemaName(backend.schemaPrefix, stackId) });
      // The connection string holds a password: Terraform reads it from PG_CONN_STR instead.
      stack.addOverride('terraform.backend.pg.conn_str', undefined);
      return;
    }
  }
}

/** The PostgreSQL schema holding one stack's state. */
export function pgSchemaName(schemaPrefix: string, stackId: string): string {
  return `${schemaPrefix}_${stackId.replace(/-/g, '_')}`;
}
