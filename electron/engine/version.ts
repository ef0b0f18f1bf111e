/**
 * The running build's name and version, from package.json.
 */
import pkg from '../../package.json'

export const APP_NAME = 'Leafbridge'
export const APP_VERSION: string = pkg.version
