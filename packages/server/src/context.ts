import type { Admission } from './admission.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelHolder } from './models.js';
import type { ServerLimits } from './options.js';

/** What every route shares. */
export interface ServerContext {
  limits: ServerLimits;
  models: ModelHolder;
  admission: Admission;
  metrics: ServerMetrics;
}
