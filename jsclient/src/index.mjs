// @fullsession/jsclient: read and write a fullsession session from page
// scripts. See index.d.ts for the API and FORMAT.md for the cookie format.
import create from './create.mjs'
import config from './config.mjs'

export default create(config)
