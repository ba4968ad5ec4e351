package io.socketdoctor.runtime;

import io.socketdoctor.classify.Facts;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionRecord;

/**
 * Both ends of a tracked connection, as the notices and the leak finder need them. Read only when
 * a notice needs them: most connections never do.
 */
final class AddressReader implements ConnectionRecord.AddressReader {

    static final AddressReader INSTANCE = new AddressReader();

    @Override
    public String[] read(Object connection) {
        Facts facts = ConnectionFacts.of(connection, null, HookSites.ALL.get(0));
        return new String[] {facts.local(), facts.remote()};
    }
}
