/**
 * The hook points: every JDK method Socket Doctor instruments, as data ({@link HookSites}).
 *
 * <p>A package of its own because three layers read it and none should depend on another for it:
 * the installer writes code at each site, the runtime reads a site's operation and API when a
 * failure arrives with its id, and the CLI's status lists them.
 */
package io.socketdoctor.hook;
