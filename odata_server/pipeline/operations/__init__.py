"""One module per kind of operation; each is ``async (RequestContext) -> ODataResponse``."""
