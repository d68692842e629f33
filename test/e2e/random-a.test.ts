import { randomWorldSuite } from './random-worlds.js';

randomWorldSuite(0, 2);
