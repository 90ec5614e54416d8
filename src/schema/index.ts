import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './animation.js';
import './inputs.js';
import './operations.js';

export const schema = builder.toSchema({ sortSchema: false });
