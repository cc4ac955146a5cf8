"""Config-checking helpers for the modules of hm2pn (and any registry)."""
import difflib
import inspect
import re
from typing import List, NamedTuple, Optional

_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")


def valid_init_args(cls: type) -> List[str]:
    """Keyword arguments accepted by ``cls(...)``.

    Follows ``**kwargs`` up the MRO (e.g. ``CoarseToFineHead`` passes them to
    ``HeatmapHead``) until an ``__init__`` without ``**kwargs``.

    Args:
        cls: A class.

    Returns:
        Argument names in signature order, without ``self``/``*args``/
        ``**kwargs``; ``type`` (the registry key) is not included.
    """
    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        more = False
        for p in params:
            if p.kind is p.VAR_KEYWORD:
                more = True
            elif p.name != 'self' and p.kind is not p.VAR_POSITIONAL:
                if p.name not in names:
                    names.append(p.name)
        if not more:
            break
    return names


class UnknownArgument(NamedTuple):
    """An argument a registry-built class does not accept."""
    cls_name: str
    arg: str
    message: str


def _class_being_built(exc: BaseException) -> Optional[type]:
    """The class whose construction raised ``exc`` inside a registry build.

    MMEngine's ``build_from_cfg`` calls ``obj_cls(**args)`` without wrapping
    errors; the innermost ``build_from_cfg`` frame of the traceback holds
    the class that rejected its arguments.
    """
    cls = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == 'build_from_cfg' and inspect.isclass(
                frame.f_locals.get('obj_cls')):
            cls = frame.f_locals['obj_cls']
        tb = tb.tb_next
    return cls


def explain_unknown_argument(exc: TypeError) -> Optional[UnknownArgument]:
    """Turn a build ``TypeError`` into a message naming the valid keys.

    Args:
        exc: The ``TypeError`` raised while a registry built a module, e.g.
            ``HeatmapHead.__init__() got an unexpected keyword argument
            'finenett'`` while building a ``CoarseToFineHead``.

    Returns:
        The class name, the argument and the message ``"CoarseToFineHead got
        an unknown argument 'finenett' (did you mean 'finenet'?); valid
        arguments: ..."``, or ``None`` when ``exc`` is not about an
        unexpected keyword argument of a registry-built class.
    """
    arg = _UNEXPECTED.search(str(exc))
    cls = _class_being_built(exc) if arg else None
    if cls is None:
        return None
    bad = arg.group(1)
    valid = valid_init_args(cls)
    if bad in valid:
        return None  # rejected deeper down, not a config typo of this class
    close = difflib.get_close_matches(bad, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ''
    return UnknownArgument(
        cls.__name__, bad, f"{cls.__name__} got an unknown argument "
        f"'{bad}'{hint}; valid arguments: {', '.join(valid)}")
