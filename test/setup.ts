// The adapter import also brings the matchers' global type declarations.
import { setupJest } from 'cdktf/lib/testing/adapters/jest';

setupJest();
