# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""HTTPS transport to the LightOS API: pooling, failover, retries, errors."""

import time
import uuid

from oslo_log import log as logging
import requests

from lightos_cinder.api import budget
from lightos_cinder.api import credentials
from lightos_cinder.api import endpoints as endpoints_module
from lightos_cinder.api import exception
from lightos_cinder.api import failures
from lightos_cinder.api import httpsadapter
from lightos_cinder.api import waiters

LOG = logging.getLogger(__name__)

# Connections per endpoint. cinder-volume runs up to 64 RPC requests at
# once (executor_thread_pool_size); a larger burst waits here for a pooled
# connection. Opening one connection per waiting operation instead (and
# closing it after its request) makes a burst of hundreds pay a TCP and TLS
# handshake on every request; under load those handshakes pass the connect
# timeout and the whole burst fails over to the next endpoint.
POOL_SIZE = 64

# Pause between rounds over every endpoint when none gave a usable answer
# (a cluster-wide blip: every API service restarting, resetting
# connections, or answering 429/503): about the time waited so far (so
# pauses double), between these bounds, until the call's deadline. A
# Retry-After sets the pause instead.
ROUND_PAUSE_MIN = 0.25
ROUND_PAUSE_MAX = 4.0

# Defaults of the hedge delay (see endpoints.HedgeDelay).
HEDGE_MIN = 0.5
HEDGE_MAX = 5.0

IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])
RETRY_LATER_STATUSES = frozenset([429, 503])


class _Call(object):
    """What one ``request()`` call has learnt so far."""

    def __init__(self, method, path, give_up_at, settle=None):
        self.method = method
        self.path = path
        self.give_up_at = give_up_at
        self.settle = settle
        self.request_id = 'req-%s' % uuid.uuid4()
        self.failures = []
        # A POST that may have reached a server which never answered.
        self.maybe_sent = False
        self.rounds = 0
        # Whether a failure of this round may pass (not an untrusted
        # certificate, which no retry mends).
        self.transient = False
        # The last 429/503 of this round.
        self.busy = None

    @property
    def hedged(self):
        """Whether the call may go to the next endpoint before an answer.

        True for idempotent requests and for a POST whose effect can be
        looked up first (``settle``): names are unique per project.
        """
        return self.method in IDEMPOTENT_METHODS or self.settle is not None

    def request_id_of(self, response):
        """The server's request id if it sent one, else ours."""
        return response.headers.get('X-Request-Id') or self.request_id


class Transport(object):
    """Sends requests to the LightOS API services of one cluster.

    One pooled HTTP session serves every request (keep-alive, one TLS
    handshake per pooled connection). Requests go to the endpoint that
    answered last; an endpoint that cannot be reached is skipped for
    ``retry_interval`` seconds. Error statuses are raised as the exceptions
    of :func:`lightos_cinder.api.exception.exception_for_status`.
    """

    def __init__(self, addresses, port, *, token_source=None, verify=True,
                 connect_timeout=3.0, read_timeout=30.0, deadline=120.0,
                 retry_interval=30.0, hedge_min=HEDGE_MIN,
                 hedge_max=HEDGE_MAX, clock=time.monotonic, sleep=time.sleep,
                 scheme='https', pool_size=POOL_SIZE):
        addresses = [str(a) for a in (addresses or ()) if str(a).strip()]
        if not addresses:
            raise ValueError('No LightOS API address given; set '
                             'lightos_api_address.')
        self._endpoints = endpoints_module.EndpointRing(
            [endpoints_module.format_base_url(a, port, scheme)
             for a in addresses],
            retry_interval, clock)
        self._token_source = token_source
        self._verify = verify
        self._connect_timeout = float(connect_timeout)
        self._read_timeout = float(read_timeout)
        self._deadline = float(deadline)
        self._hedge = endpoints_module.HedgeDelay(hedge_min, hedge_max)
        self._clock = clock
        self._sleep = sleep
        self._session = self._make_session(pool_size)
        # Requests are prepared here, not by the session: its merging of
        # settings, cookies and hooks costs more CPU than sending them.
        self._headers = dict(self._session.headers)

    def _make_session(self, pool_size):
        session = requests.Session()
        # Ignore proxies, .netrc credentials and REQUESTS_CA_BUNDLE from the
        # environment: the configured CA bundle and token are the only ones
        # that apply, and the storage API is not reached through a proxy.
        session.trust_env = False
        session.verify = self._verify
        session.headers.update({'Accept': 'application/json'})
        session.cookies = httpsadapter.NoCookies()
        adapter = httpsadapter.HTTPAdapter(
            pool_connections=len(self._endpoints),
            pool_maxsize=max(1, int(pool_size)),
            max_retries=0,
            pool_block=True)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        return session

    @classmethod
    def from_config(cls, conf, **kwargs):
        """Build a transport from the driver's configuration options.

        Pass ``token_source`` when the tokens are already read (the driver
        reads them once, at setup); else they are read from ``conf``.
        """
        if 'token_source' not in kwargs:
            kwargs['token_source'] = credentials.tokens_from_config(conf)
        if getattr(conf, 'driver_ssl_cert_verify', False):
            verify = getattr(conf, 'driver_ssl_cert_path', None) or True
        else:
            verify = False
            LOG.warning('The TLS certificate of the LightOS API is not '
                        'verified; set driver_ssl_cert_verify (and '
                        'driver_ssl_cert_path for a private CA).')
        options = dict(
            verify=verify,
            connect_timeout=getattr(conf, 'lightos_api_connect_timeout', 3.0),
            read_timeout=getattr(conf, 'lightos_api_service_timeout', 30),
            deadline=getattr(conf, 'lightos_api_request_deadline', 120),
            retry_interval=getattr(
                conf, 'lightos_api_endpoint_retry_interval', 30),
            hedge_min=getattr(conf, 'lightos_api_hedge_min_delay', HEDGE_MIN),
            hedge_max=getattr(conf, 'lightos_api_hedge_max_delay', HEDGE_MAX))
        options.update(kwargs)
        return cls(endpoints_module.api_hosts(conf),
                   getattr(conf, 'lightos_api_port', 443), **options)

    @property
    def endpoints(self):
        """Base URLs of the endpoints, in configuration order."""
        return self._endpoints.base_urls

    def endpoint_health(self):
        """``{base_url: None or reason}`` of the endpoints now skipped."""
        return self._endpoints.health()

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return '<Transport %s>' % ', '.join(self.endpoints)

    def token_source_for(self, project=None):
        """The TokenSource whose token goes with requests about project."""
        if self._token_source is None:
            return None
        return self._token_source.source_for(project)

    def request(self, method, path, *, params=None, body=None, if_match=None,
                project=None, settle=None):
        """Send one API request and return its parsed JSON body.

        Returns ``{}`` for an empty body. Raises a LightOSAPIError subclass
        for an error status and LightOSConnectionError when no endpoint gave
        an answer before the deadline (``lightos_api_request_deadline``, or
        the running operation's budget if that ends first). A POST that may
        have reached a server is sent again only if ``settle``, a callable
        returning whether its effect already exists, says it does not; if
        it does, Conflict is raised as the API would for the taken name.
        ``project`` selects the token when the transport holds one per
        project.
        """
        call = _Call(method.upper(), path,
                     budget.give_up_at(self._clock() + self._deadline),
                     settle)
        source = self.token_source_for(project)
        send = dict(params=params, body=body, if_match=if_match)
        reauthenticated = False
        start = None
        while True:
            endpoint, response = self._answer(call, start, send, source)
            status = response.status_code
            if status < 300:
                return self._parse(response, call)
            error = self._error(response, call, endpoint)
            if (status == 401 and not reauthenticated and
                    source is not None and source.reload()):
                # The token file was replaced since it was last read.
                LOG.info('Retrying %(method)s %(path)s with the JWT re-read '
                         'from %(src)s.', {'method': call.method,
                                           'path': call.path,
                                           'src': source.path})
                reauthenticated = True
                start = endpoint
            else:
                raise error

    def _answer(self, call, start, send, source=None):
        """The first usable answer from any endpoint, and its endpoint.

        Rounds over the endpoints: one that cannot be reached, or answers
        429/503 (only that node's API service may be busy), passes the
        request to the next at once. When a whole round got no usable
        answer the call pauses (the one waiter's back-off, honouring
        Retry-After) before the next round, until its deadline.
        """
        token = source.get() if source is not None else None
        first = [start]

        def probe():
            if call.rounds:
                # Only the last round's failures are worth reporting.
                call.failures = []
            call.rounds += 1
            call.busy = None
            answered = self._send_round(call, first[0], send, token)
            first[0] = None
            if answered is not None:
                return answered
            busy = call.busy
            if busy is not None:
                if (busy.retry_after is not None and
                        self._clock() + busy.retry_after >= call.give_up_at):
                    raise busy
                raise exception.NotReady('%d' % busy.status,
                                         retry_after=busy.retry_after)
            if not call.transient:
                raise exception.LightOSConnectionError(
                    call.method, call.path, call.failures)
            raise exception.NotReady('no endpoint answered')

        try:
            return waiters.wait_for(
                probe, timeout=max(0.0, call.give_up_at - self._clock()),
                what='%s %s' % (call.method, call.path),
                interval=ROUND_PAUSE_MIN, max_interval=ROUND_PAUSE_MAX,
                growth=1.0, clock=self._clock, sleep=self._sleep,
                probe_at_deadline=False)
        except exception.WaitTimeout:
            LOG.debug('%(method)s %(path)s: no usable answer in %(rounds)d '
                      'rounds (%(limit)s)', {'method': call.method,
                                             'path': call.path,
                                             'rounds': call.rounds,
                                             'limit': self._limit(call)})
            if call.busy is not None:
                raise call.busy from None
            if call.rounds > 1:
                call.failures.append(('every endpoint', 'tried %d times, '
                                      'then %s' % (call.rounds,
                                                   self._limit(call))))
            raise exception.LightOSConnectionError(
                call.method, call.path, call.failures) from None

    def _send_round(self, call, start, send, token):
        """Try each endpoint once; return ``(endpoint, response)`` or None.

        Endpoints that cannot be reached are marked unhealthy. While another
        endpoint is left to try, a hedged call waits only the hedge delay
        for an answer before it moves on.
        """
        ring = self._endpoints.ordered(start)
        call.transient = False
        for index, endpoint in enumerate(ring):
            remaining = call.give_up_at - self._clock()
            if remaining <= 0:
                call.failures.append((endpoint.base_url,
                                      'not tried: %s' % self._limit(call)))
                return None
            hedge = None
            if (call.hedged and self._hedge.enabled and
                    index < len(ring) - 1):
                hedge = self._hedge.seconds()
            try:
                response, began = self._send_busy_or_not(
                    call, endpoint, token, remaining, hedge, send)
            except requests.exceptions.RequestException as exc:
                self._connection_failed(call, endpoint, exc, hedge)
                continue
            self._hedge.observe(self._clock() - began)
            self._endpoints.mark_answered(endpoint)
            if LOG.isEnabledFor(logging.DEBUG):
                # Checked first: the arguments cost more than the check.
                LOG.debug('%(method)s %(path)s -> %(status)d in %(ms).1f ms '
                          'from %(ep)s (request id %(rid)s)',
                          {'method': call.method, 'path': call.path,
                           'status': response.status_code,
                           'ms': response.elapsed.total_seconds() * 1000.0,
                           'ep': endpoint.base_url,
                           'rid': call.request_id_of(response)})
            if response.status_code in RETRY_LATER_STATUSES:
                call.busy = self._error(response, call, endpoint)
                call.failures.append((endpoint.base_url, 'answered %d' %
                                      response.status_code))
                continue
            return endpoint, response
        return None

    def _send_busy_or_not(self, call, endpoint, token, remaining, hedge,
                          send):
        """Send to one endpoint; return the response and when it was sent.

        A hedged request that got no answer from an endpoint which answered
        other requests meanwhile (hundreds of operations at once queue up
        in the API service) is sent there again with the full read timeout,
        instead of marking a busy endpoint failed and moving the load on.
        """
        while True:
            if call.maybe_sent:
                self._settle(call)
            began = self._clock()
            try:
                return self._send(endpoint, call, token, remaining, hedge,
                                  **send), began
            except requests.exceptions.ReadTimeout:
                if hedge is None or not self._endpoints.answered_since(
                        endpoint, began):
                    raise
            LOG.debug('%(method)s %(path)s: %(ep)s is busy (no answer '
                      'within %(hedge).2f s while answering others); '
                      'waiting for it (request id %(rid)s)',
                      {'method': call.method, 'path': call.path,
                       'ep': endpoint.base_url, 'hedge': hedge,
                       'rid': call.request_id})
            call.maybe_sent = call.method not in IDEMPOTENT_METHODS
            hedge = None
            remaining = call.give_up_at - self._clock()
            if remaining <= 0:
                raise requests.exceptions.ReadTimeout(
                    'no time left to wait for a busy endpoint')

    def _limit(self, call):
        running = budget.current()
        if running is not None and running.deadline <= call.give_up_at:
            return '%s reached' % running.describe()
        return 'request deadline reached'

    def _connection_failed(self, call, endpoint, exc, hedge=None):
        reason = failures.describe(exc)
        call.transient = call.transient or not failures.untrusted(exc)
        if hedge is not None and isinstance(
                exc, requests.exceptions.ReadTimeout):
            reason = 'no answer within %.2f s' % hedge
        self._endpoints.mark_failed(endpoint, reason)
        LOG.debug('%(method)s %(path)s failed on %(ep)s: %(why)s (request id '
                  '%(rid)s)', {'method': call.method, 'path': call.path,
                               'ep': endpoint.base_url, 'why': reason,
                               'rid': call.request_id})
        if (call.method not in IDEMPOTENT_METHODS and
                not failures.nothing_sent(exc)):
            if call.settle is None:
                call.failures.append((endpoint.base_url, reason + '; not '
                                      'sent again because the server may '
                                      'have applied it'))
                raise exception.LightOSConnectionError(
                    call.method, call.path, call.failures) from None
            call.maybe_sent = True
            reason += '; looked up by name before it is sent again'
        call.failures.append((endpoint.base_url, reason))

    def _settle(self, call):
        """Raise Conflict if a POST that got no answer was applied after all.

        Names are unique per project, so the lookup answers for every
        earlier attempt: one applied later still gets a 409 from the API.
        """
        remaining = call.give_up_at - self._clock()
        try:
            with budget.bounded(remaining, '%s %s' % (call.method, call.path),
                                clock=self._clock):
                exists = call.settle()
        except exception.LightOSError as exc:
            call.failures.append(('lookup', 'cannot tell whether an attempt '
                                  'was applied: %s' % exc))
            raise exception.LightOSConnectionError(
                call.method, call.path, call.failures) from None
        if exists:
            LOG.info('%(method)s %(path)s got no answer but was applied '
                     '(request id %(rid)s).', {'method': call.method,
                                               'path': call.path,
                                               'rid': call.request_id})
            raise exception.Conflict(
                call.method, call.path, message='already exists: applied by '
                'an earlier attempt that got no answer',
                request_id=call.request_id)

    def _send(self, endpoint, call, token, remaining, hedge, params, body,
              if_match):
        headers = dict(self._headers)
        headers['X-Request-Id'] = call.request_id
        if token is not None:
            headers['Authorization'] = 'Bearer %s' % token.value
        if if_match:
            headers['If-Match'] = if_match
        read_timeout = self._read_timeout if hedge is None else min(
            hedge, self._read_timeout)
        timeout = (min(self._connect_timeout, remaining),
                   min(read_timeout, remaining))
        prepared = httpsadapter.prepare(
            call.method, endpoint.base_url + call.path, headers, params, body)
        return self._session.send(
            prepared, timeout=timeout, verify=self._verify, proxies={},
            cert=None, stream=False, allow_redirects=False)

    @staticmethod
    def _parse(response, call):
        if not response.content or not response.content.strip():
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
            problem = 'the response is not JSON: %s' % failures.server_message(
                response)
        else:
            problem = 'the response is not a JSON object'
        if isinstance(data, dict):
            return data
        raise exception.LightOSAPIError(
            call.method, call.path, response.status_code, problem,
            call.request_id_of(response))

    @staticmethod
    def _error(response, call, endpoint):
        status = response.status_code
        cls = exception.exception_for_status(status)
        kwargs = dict(status=status, message=failures.server_message(response),
                      request_id=call.request_id_of(response),
                      endpoint=endpoint.base_url)
        if issubclass(cls, exception.ServiceUnavailable):
            kwargs['retry_after'] = failures.parse_retry_after(
                response.headers.get('Retry-After'))
        return cls(call.method, call.path, **kwargs)
