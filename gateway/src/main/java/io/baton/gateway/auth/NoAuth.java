package io.baton.gateway.auth;

/** Authentication off (the development default): any request acts in the project it names. */
final class NoAuth implements Authenticator {
    static final NoAuth INSTANCE = new NoAuth();

    @Override
    public Decision decide(String token, String project) {
        return new Decision.Allowed(project != null ? project : DEFAULT_PROJECT);
    }

    @Override
    public boolean required() {
        return false;
    }
}
