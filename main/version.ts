// The app's version, from package.json: the one place it is written (bundled into the app by vite,
// read as a JSON module by Node when the sources run directly).
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
