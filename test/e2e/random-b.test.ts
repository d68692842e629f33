import { randomWorldSuite } from './random-worlds.js';

randomWorldSuite(1, 2);
