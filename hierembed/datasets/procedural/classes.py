"""The four procedural object classes: one stand-in for each class of the paper.

Each class draws one articulated figure per frame from an *identity* (appearance: colours,
textures, proportions, limb widths) and a *motion* (smooth random joint angles, head and body
turns), in frame-normalised units (the frame is [0, 1] x [0, 1]). Depth (z, towards the camera)
orders the parts, so limbs crossing in front of each other cover keypoints -- that is where
visibility 1 comes from. Nothing here is tuned to any learning method: the ranges are those of
the real classes (a signer's wrists sweep from the lap to above the head; Penn Action bodies are
seen from the front and the back; horses walk, graze and swish their tails).
"""
import math
from typing import Dict, List, Tuple

import numpy as np

from .render import Part, distinct_colour, random_colour, smooth_noise

SKIN_TONES = [(255, 224, 196), (241, 194, 125), (224, 172, 105), (198, 134, 66),
              (141, 85, 36), (92, 56, 30), (234, 192, 160), (180, 120, 90)]
HAIR = [(20, 15, 10), (60, 40, 20), (110, 70, 30), (200, 170, 90), (150, 60, 20), (120, 120, 120)]


def _tone(rng, palette, jitter=12):
    base = np.asarray(palette[int(rng.integers(len(palette)))], np.float64)
    return tuple(int(v) for v in np.clip(base + rng.normal(0, jitter, 3), 0, 255))


def _darker(c, f=0.75):
    return tuple(int(v * f) for v in c)


def _unit(v):
    v = np.asarray(v, np.float64)
    return v / max(np.linalg.norm(v), 1e-9)


def _yaw(v, yaw):
    """Rotate body-frame offsets [..., 3] (x right, y down, z to camera) about the vertical."""
    v = np.asarray(v, np.float64)
    c, s = math.cos(yaw), math.sin(yaw)
    return np.stack([v[..., 0] * c + v[..., 2] * s, v[..., 1], -v[..., 0] * s + v[..., 2] * c], -1)


def _range(noise, lo, hi):
    """Map a signal in [-1, 1] onto [lo, hi]."""
    return lo + (hi - lo) * (noise + 1.0) / 2.0


def _limb_dirs(side: int, abduct: float, flex: float, bend: float, twist_u) -> Tuple:
    """Directions of the two segments of a limb hanging from a joint (body frame).

    Args:
        side: +1 for the figure's left (image right when it faces the camera), -1 for its right.
        abduct: angle out to the side from hanging straight down (rad).
        flex: angle forward, towards the camera (rad).
        bend: flexion of the middle joint (rad).
        twist_u: the direction the second segment bends towards (body frame, 3).

    Returns:
        (upper [3], lower [3]) unit vectors.
    """
    d = np.array([side * math.sin(abduct) * math.cos(flex), math.cos(abduct) * math.cos(flex),
                  math.sin(flex)])
    u = np.asarray(twist_u, np.float64)
    n = u - (u @ d) * d
    if np.linalg.norm(n) < 1e-6:
        n = np.array([0.0, 0.0, 1.0]) - d[2] * d
    n = _unit(n)
    return d, math.cos(bend) * d + math.sin(bend) * n


class ProceduralClass:
    """Interface of a procedural class.

    Subclasses set ``name`` (the metainfo file it follows) and implement :meth:`identity`,
    :meth:`motion` and :meth:`pose`.
    """
    name = ''
    #: label ids that make up the object's box (None: every part of the figure)
    box_parts = None

    def identity(self, rng: np.random.Generator) -> Dict:
        raise NotImplementedError

    def motion(self, rng: np.random.Generator, num_frames: int, ident: Dict) -> Dict:
        raise NotImplementedError

    def pose(self, ident: Dict, motion: Dict,
             t: int) -> Tuple[List[Part], np.ndarray, List[List[int]], np.ndarray]:
        """The figure at frame ``t``.

        Returns:
            parts (frame-normalised units), keypoints [N, 2] (frame-normalised x, y),
            owners (per keypoint, the part ids it lies on), facing ([N] bool or None).
        """
        raise NotImplementedError


def _arm(parts, pid_up, pid_lo, sh, side, a, f, e, tw, yaw, ident, depth_bias=0.02):
    d_up, d_lo = _limb_dirs(side, a, f, e, (-side * math.cos(tw), 0.0, math.sin(tw)))
    elbow = sh + ident['upper_arm'] * _yaw(d_up, yaw)
    wrist = elbow + ident['forearm'] * _yaw(d_lo, yaw)
    w = ident['arm_w']
    sleeve = ident['sleeve']
    parts.append(Part(pid_up, (sh[2] + elbow[2]) / 2 + depth_bias).banded_line(
        sleeve, sh[:2], elbow[:2], w, ident['sleeve_bands']))
    lo = Part(pid_lo, (elbow[2] + wrist[2]) / 2 + depth_bias + 1e-4)
    lo.banded_line(sleeve, elbow[:2], wrist[:2], 0.85 * w, ident['sleeve_bands'])
    lo.circle(ident['skin'], wrist[:2], 0.6 * w)
    parts.append(lo)
    return elbow, wrist


def _arm_identity(rng, ident, scale=1.0):
    ident['upper_arm'] = scale * rng.uniform(0.16, 0.21)
    ident['forearm'] = scale * rng.uniform(0.14, 0.18)
    ident['arm_w'] = scale * rng.uniform(0.045, 0.075)
    shirt = ident['shirt']
    ident['sleeve'] = [shirt, distinct_colour(rng, [shirt])] if rng.random() < 0.5 else [shirt]
    ident['sleeve_bands'] = int(rng.integers(2, 6))


def _torso_part(pid, depth, corners, ident):
    """A shirt: a quadrilateral with a few bands or a centre stripe."""
    part = Part(pid, depth).poly(ident['shirt'], corners)
    lt, rt, rb, lb = [np.asarray(c[:2], np.float64) for c in corners]
    style = ident['shirt_style']
    if style == 'bands':
        for k in range(1, 6, 2):
            a = k / 6.0
            part.line(ident['shirt2'], lt + (lb - lt) * a, rt + (rb - rt) * a, ident['band_w'])
    elif style == 'stripe':
        part.line(ident['shirt2'], (lt + rt) / 2, (lb + rb) / 2, ident['band_w'])
    return part


def _shirt_identity(rng, ident):
    ident['shirt'] = random_colour(rng)
    ident['shirt2'] = distinct_colour(rng, [ident['shirt']])
    ident['shirt_style'] = ['plain', 'bands', 'stripe'][int(rng.integers(3))]
    ident['band_w'] = rng.uniform(0.015, 0.03)


def _head_part(pid, depth, centre, rx, ry, roll, yaw, ident):
    """A head seen from any side: hair, and a face with eyes where it faces the camera."""
    part = Part(pid, depth)
    deg = math.degrees(roll)
    front = math.cos(yaw)
    up = np.array([math.sin(roll), -math.cos(roll)])
    if front > 0:
        part.ellipse(ident['hair'], centre + up * 0.2 * ry, (rx * 1.05, ry * 0.85), deg)
        part.ellipse(ident['skin'], centre, (rx, ry), deg)
        if front > 0.3:
            side = np.array([math.cos(roll), math.sin(roll)])
            shift = math.sin(yaw) * 0.35 * rx
            for s in (-1, 1):
                eye = centre + side * (s * 0.38 * rx * front + shift) + up * 0.1 * ry
                part.circle(ident['eye'], eye, max(0.12 * rx, 0.004))
    else:
        part.ellipse(ident['skin'], centre, (rx, ry), deg)
        part.ellipse(ident['hair'], centre + up * 0.1 * ry, (rx * 1.02, ry * 0.95), deg)
    return part


class UpperBody(ProceduralClass):
    """A signer seen from the waist up (BBC Pose): head, neck, shoulders, elbows, wrists."""
    name = 'upper_body'
    TORSO, NECK, HEAD, LUA, LFA, RUA, RFA = 1, 2, 3, 4, 5, 6, 7

    def identity(self, rng):
        ident = dict(skin=_tone(rng, SKIN_TONES), hair=_tone(rng, HAIR), eye=(30, 30, 40))
        _shirt_identity(rng, ident)
        _arm_identity(rng, ident)
        ident.update(shoulder_w=rng.uniform(0.30, 0.40), neck_len=rng.uniform(0.035, 0.06),
                     neck_w=rng.uniform(0.05, 0.07), head_rx=rng.uniform(0.07, 0.09),
                     head_ry=rng.uniform(0.085, 0.11), cx=rng.uniform(0.45, 0.55),
                     cy=rng.uniform(0.38, 0.45))
        return ident

    def motion(self, rng, num_frames, ident):
        n = smooth_noise(rng, num_frames, 12, freq=(0.008, 0.05))
        slow = smooth_noise(rng, num_frames, 4, freq=(0.003, 0.015))
        yaw_amp = rng.uniform(0.0, 0.7)
        return dict(
            yaw=yaw_amp * slow[:, 0], roll=0.15 * slow[:, 1],
            dx=0.03 * slow[:, 2], dy=0.02 * slow[:, 3],
            # Signing: wrists sweep from the lap to above the head and cross the body.
            abduct=_range(n[:, 0:2], 0.05, 2.6), flex=_range(n[:, 2:4], -0.2, 1.3),
            bend=_range(n[:, 4:6], 0.0, 2.5), twist=_range(n[:, 6:8], 0.0, 1.5))

    def pose(self, ident, m, t):
        yaw = float(m['yaw'][t])
        neck = np.array([ident['cx'] + m['dx'][t], ident['cy'] + m['dy'][t], 0.0])
        sw = ident['shoulder_w'] / 2
        l_sh = neck + _yaw([sw, 0.03, 0.0], yaw)
        r_sh = neck + _yaw([-sw, 0.03, 0.0], yaw)
        l_hip = neck + _yaw([0.9 * sw, 0.8, 0.0], yaw)
        r_hip = neck + _yaw([-0.9 * sw, 0.8, 0.0], yaw)
        parts = [_torso_part(self.TORSO, 0.0, [l_sh, r_sh, r_hip, l_hip], ident)]
        roll = float(m['roll'][t])
        top = neck[:2] + np.array([math.sin(roll), -math.cos(roll)]) * ident['neck_len']
        parts.append(Part(self.NECK, 0.004).line(ident['skin'], neck[:2], top, ident['neck_w']))
        head = top + np.array([math.sin(roll), -math.cos(roll)]) * ident['head_ry'] * 0.85
        parts.append(_head_part(self.HEAD, 0.008, head, ident['head_rx'], ident['head_ry'], roll,
                                yaw, ident))
        joints = {}
        arms = ((1, l_sh, self.LUA, self.LFA, 0), (-1, r_sh, self.RUA, self.RFA, 1))
        for side, sh, pu, pl, k in arms:
            joints[side] = _arm(parts, pu, pl, sh, side, m['abduct'][t, k], m['flex'][t, k],
                                m['bend'][t, k], m['twist'][t, k], yaw, ident)
        kps = np.array([head, neck[:2], l_sh[:2], r_sh[:2], joints[1][0][:2], joints[-1][0][:2],
                        joints[1][1][:2], joints[-1][1][:2]])
        owners = [[self.HEAD], [self.NECK, self.TORSO, self.HEAD], [self.TORSO, self.LUA],
                  [self.TORSO, self.RUA], [self.LUA, self.LFA], [self.RUA, self.RFA], [self.LFA],
                  [self.RFA]]
        return parts, kps, owners, None


class FullBody(ProceduralClass):
    """A whole person doing sport (Penn Action), seen from the front or the back."""
    name = 'full_body'
    TORSO, HEAD, LUA, LFA, RUA, RFA, LTH, LSH, RTH, RSH = range(1, 11)

    def identity(self, rng):
        k = rng.uniform(0.85, 1.0)
        ident = dict(skin=_tone(rng, SKIN_TONES), hair=_tone(rng, HAIR), eye=(30, 30, 40),
                     trousers=random_colour(rng), shoes=random_colour(rng, 0, 90), scale=k)
        _shirt_identity(rng, ident)
        _arm_identity(rng, ident, scale=0.75 * k)
        ident.update(shoulder_w=k * rng.uniform(0.15, 0.2), hip_w=k * rng.uniform(0.10, 0.14),
                     torso_len=k * rng.uniform(0.22, 0.26), neck_len=k * 0.03,
                     head_r=k * rng.uniform(0.05, 0.06), thigh=k * rng.uniform(0.16, 0.19),
                     shin=k * rng.uniform(0.15, 0.18), leg_w=k * rng.uniform(0.045, 0.07),
                     cx=rng.uniform(0.45, 0.55), cy=rng.uniform(0.5, 0.55))
        ident['trouser_bands'] = [ident['trousers']] if rng.random() < 0.6 else \
            [ident['trousers'], distinct_colour(rng, [ident['trousers']])]
        return ident

    def motion(self, rng, num_frames, ident):
        n = smooth_noise(rng, num_frames, 14, freq=(0.01, 0.07))
        slow = smooth_noise(rng, num_frames, 4, freq=(0.003, 0.015))
        base = 0.0 if rng.random() < 0.5 else math.pi
        yaw = base + rng.uniform(0.1, 0.6) * slow[:, 0]
        if rng.random() < 0.25:  # a turn from front to back (or back to front) within the clip
            t0 = rng.uniform(0.2, 0.6) * num_frames
            ramp = np.clip((np.arange(num_frames) - t0) / max(1.0, 0.3 * num_frames), 0, 1)
            yaw = yaw + math.pi * (3 * ramp ** 2 - 2 * ramp ** 3)
        return dict(
            yaw=yaw, roll=rng.uniform(0, 0.3) * slow[:, 1], dx=0.04 * slow[:, 2],
            dy=0.03 * slow[:, 3],
            abduct=_range(n[:, 0:2], 0.05, 2.9), flex=_range(n[:, 2:4], -0.5, 1.5),
            bend=_range(n[:, 4:6], 0.0, 2.4), twist=_range(n[:, 6:8], 0.0, 1.5),
            leg_abduct=_range(n[:, 8:10], 0.0, 0.7), hip_flex=_range(n[:, 10:12], -0.5, 1.6),
            knee=_range(n[:, 12:14], 0.0, 2.2))

    def pose(self, ident, m, t):
        yaw, roll = float(m['yaw'][t]), float(m['roll'][t])
        pelvis = np.array([ident['cx'] + m['dx'][t], ident['cy'] + m['dy'][t], 0.0])
        sw, hw, tl = ident['shoulder_w'] / 2, ident['hip_w'] / 2, ident['torso_len']
        pts = dict(l_sh=[sw, -tl, 0.0], r_sh=[-sw, -tl, 0.0], l_hip=[hw, 0.0, 0.0],
                   r_hip=[-hw, 0.0, 0.0], neck=[0.0, -tl - 0.01, 0.0])
        p = {k: pelvis + _yaw(v, yaw) for k, v in pts.items()}
        parts = [_torso_part(self.TORSO, 0.0, [p['l_sh'], p['r_sh'], p['r_hip'], p['l_hip']],
                             ident)]
        head_c = p['neck'] + np.array([0.0, -ident['neck_len'] - ident['head_r'], 0.0])
        head = _head_part(self.HEAD, 0.004, head_c[:2], ident['head_r'] * 0.85,
                          ident['head_r'], 0.0, yaw, ident)
        head.line(ident['skin'], p['neck'][:2], head_c[:2], ident['head_r'] * 0.7)
        parts.append(head)
        arms = {}
        for side, sh, pu, pl, k in ((1, p['l_sh'], self.LUA, self.LFA, 0),
                                    (-1, p['r_sh'], self.RUA, self.RFA, 1)):
            arms[side] = _arm(parts, pu, pl, sh, side, m['abduct'][t, k], m['flex'][t, k],
                              m['bend'][t, k], m['twist'][t, k], yaw, ident)
        legs = {}
        for side, hip, pu, pl, k in ((1, p['l_hip'], self.LTH, self.LSH, 0),
                                     (-1, p['r_hip'], self.RTH, self.RSH, 1)):
            d_up, d_lo = _limb_dirs(side, m['leg_abduct'][t, k], m['hip_flex'][t, k],
                                    m['knee'][t, k], (0.0, 1.0, -1.0))
            knee = hip + ident['thigh'] * _yaw(d_up, yaw)
            ankle = knee + ident['shin'] * _yaw(d_lo, yaw)
            w = ident['leg_w']
            parts.append(Part(pu, (hip[2] + knee[2]) / 2 + 0.01).banded_line(
                ident['trouser_bands'], hip[:2], knee[:2], w, 3))
            lo = Part(pl, (knee[2] + ankle[2]) / 2 + 0.01 + 1e-4)
            lo.banded_line(ident['trouser_bands'], knee[:2], ankle[:2], 0.85 * w, 3)
            toe = ankle + _yaw([0.0, 0.0, 0.6 * w], yaw) + np.array([0.0, 0.25 * w, 0.0])
            lo.line(ident['shoes'], ankle[:2], toe[:2], 0.6 * w)
            parts.append(lo)
            legs[side] = (knee, ankle)
        kps = np.array([head_c[:2], p['l_sh'][:2], p['r_sh'][:2], arms[1][0][:2],
                        arms[-1][0][:2], arms[1][1][:2], arms[-1][1][:2], p['l_hip'][:2],
                        p['r_hip'][:2], legs[1][0][:2], legs[-1][0][:2], legs[1][1][:2],
                        legs[-1][1][:2]])
        owners = [[self.HEAD], [self.TORSO, self.LUA], [self.TORSO, self.RUA],
                  [self.LUA, self.LFA], [self.RUA, self.RFA], [self.LFA], [self.RFA],
                  [self.TORSO, self.LTH], [self.TORSO, self.RTH], [self.LTH, self.LSH],
                  [self.RTH, self.RSH], [self.LSH], [self.RSH]]
        # The whole figure may lean (a gymnast, a bowler): rotate about the pelvis in the image.
        parts, kps = _roll_2d(parts, kps, pelvis[:2], roll)
        return parts, kps, owners, None


def _roll_2d(parts, kps, centre, angle):
    if abs(angle) < 1e-9:
        return parts, kps
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])

    def r(p):
        return (np.asarray(p, np.float64)[..., :2] - centre) @ rot.T + centre

    for part in parts:
        new = []
        for op in part.ops:
            if op[0] == 'line':
                new.append(('line', op[1], r(op[2]), r(op[3]), op[4]))
            elif op[0] == 'poly':
                new.append(('poly', op[1], r(op[2])))
            elif op[0] == 'ellipse':
                new.append(('ellipse', op[1], r(op[2]), op[3], op[4] + math.degrees(angle)))
            else:
                new.append(('circle', op[1], r(op[2]), op[3]))
        part.ops = new
    return parts, r(kps)


class Quadruped(ProceduralClass):
    """A horse-like animal from the side: walks, grazes, swishes its tail, turns around."""
    name = 'quadruped'
    BODY, NECK, HEAD, TAIL = 1, 2, 3, 4
    LEGS = dict(fl=(5, 6), fr=(7, 8), bl=(9, 10), br=(11, 12))

    def identity(self, rng):
        coats = [(120, 70, 35), (160, 90, 40), (60, 40, 30), (200, 200, 195), (30, 25, 25),
                 (210, 170, 110), (140, 130, 120)]
        coat = _tone(rng, coats, 15)
        k = rng.uniform(0.85, 1.05)
        ident = dict(coat=coat, mane=_tone(rng, [(20, 15, 10), (90, 60, 30), (230, 220, 200)]),
                     hoof=(35, 30, 30), scale=k, spots=[], facing=1 if rng.random() < 0.5 else -1,
                     body_w=k * rng.uniform(0.15, 0.19), neck_len=k * rng.uniform(0.18, 0.23),
                     head_len=k * rng.uniform(0.15, 0.19), leg_up=k * rng.uniform(0.13, 0.16),
                     leg_lo=k * rng.uniform(0.13, 0.16), leg_w=k * rng.uniform(0.035, 0.05),
                     tail_len=k * rng.uniform(0.14, 0.2), cx=rng.uniform(0.45, 0.55),
                     cy=rng.uniform(0.42, 0.48))
        if rng.random() < 0.35:  # a pinto coat: patches that move with the body
            ident['spots'] = [(rng.uniform(-0.12, 0.1) * k, rng.uniform(-0.03, 0.05) * k,
                               rng.uniform(0.02, 0.04) * k) for _ in range(int(rng.integers(2, 6)))]
            ident['spot_colour'] = distinct_colour(rng, [coat], 80)
        ident['socks'] = [rng.random() < 0.3 for _ in range(4)]
        return ident

    def motion(self, rng, num_frames, ident):
        n = smooth_noise(rng, num_frames, 6, freq=(0.005, 0.03))
        speed = rng.uniform(0.015, 0.06) * (1 + 0.5 * n[:, 0])
        phase = 2 * np.pi * np.cumsum(speed) + rng.uniform(0, 2 * np.pi)
        yaw = (0.0 if ident['facing'] > 0 else math.pi) + rng.uniform(0.0, 0.45) * n[:, 1]
        return dict(phase=phase, stride=rng.uniform(0.15, 0.55), knee=rng.uniform(0.3, 1.2),
                    yaw=yaw, neck=_range(n[:, 2], -0.7, 1.1), tail=0.6 * n[:, 3],
                    dx=0.03 * n[:, 4], dy=0.015 * n[:, 5])

    def pose(self, ident, m, t):
        k, yaw, ph = ident['scale'], float(m['yaw'][t]), float(m['phase'][t])
        centre = np.array([ident['cx'] + m['dx'][t], ident['cy'] + m['dy'][t]
                           + 0.008 * math.sin(2 * ph), 0.0])

        def at(a, y, lat):
            # Animal frame (a forward, y down, lat towards its left) -> camera frame.
            return centre + _yaw([a, y, lat], yaw)

        withers, tail = at(0.17 * k, -0.06 * k, 0), at(-0.19 * k, -0.045 * k, 0)
        chest, rump = at(0.13 * k, 0.02 * k, 0), at(-0.16 * k, 0.02 * k, 0)
        body = Part(self.BODY, 0.0).line(ident['coat'], chest[:2], rump[:2], ident['body_w'])
        body.line(ident['coat'], withers[:2], tail[:2], 0.5 * ident['body_w'])
        for a, y, r in ident['spots']:
            body.circle(ident['spot_colour'], at(a, y, 0)[:2], r)
        parts = [body]
        theta = float(m['neck'][t])
        neck_base = at(0.15 * k, -0.03 * k, 0)
        poll = neck_base + _yaw([ident['neck_len'] * math.cos(theta),
                                 -ident['neck_len'] * math.sin(theta), 0.0], yaw)
        neck_kp = (neck_base + poll) / 2
        neck = Part(self.NECK, 0.001).line(ident['coat'], neck_base[:2], poll[:2],
                                           0.45 * ident['body_w'])
        neck.line(ident['mane'], (withers[:2] + poll[:2]) / 2, poll[:2], 0.12 * ident['body_w'])
        parts.append(neck)
        phi = theta - 1.9
        muzzle = poll + _yaw([ident['head_len'] * math.cos(phi),
                              -ident['head_len'] * math.sin(phi), 0.0], yaw)
        head_kp = poll + 0.35 * (muzzle - poll)
        head = Part(self.HEAD, 0.002).line(ident['coat'], poll[:2], muzzle[:2],
                                           0.3 * ident['body_w'])
        head.circle(_darker(ident['coat'], 0.6), muzzle[:2], 0.12 * ident['body_w'])
        ear = poll + _yaw([-0.03 * k, -0.05 * k, 0.0], yaw)
        head.line(ident['coat'], poll[:2], ear[:2], 0.06 * ident['body_w'])
        parts.append(head)
        swish = float(m['tail'][t])
        tip = tail + _yaw([-ident['tail_len'] * math.sin(0.5 + 0.3 * swish),
                           ident['tail_len'] * math.cos(0.5 + 0.3 * swish),
                           0.05 * swish], yaw)
        parts.append(Part(self.TAIL, -0.001).line(ident['mane'], tail[:2], tip[:2],
                                                  0.1 * ident['body_w']))
        offsets = dict(bl=0.0, fl=0.5 * math.pi, br=math.pi, fr=1.5 * math.pi)
        kp_legs = {}
        for i, (leg, (pu, pl)) in enumerate(self.LEGS.items()):
            front = leg[0] == 'f'
            lat = 0.045 * k * (1 if leg[1] == 'l' else -1)
            root = at((0.12 if front else -0.15) * k, 0.05 * k, lat)
            g = ph + offsets[leg]
            alpha = m['stride'] * math.sin(g) + (0.0 if front else -0.15)
            flex = m['knee'] * max(0.0, math.sin(g + math.pi / 2))
            beta = alpha - flex if front else alpha + 0.25 - 0.7 * flex
            knee = root + _yaw([ident['leg_up'] * math.sin(alpha),
                                ident['leg_up'] * math.cos(alpha), 0.0], yaw)
            hoof = knee + _yaw([ident['leg_lo'] * math.sin(beta),
                                ident['leg_lo'] * math.cos(beta), 0.0], yaw)
            w = ident['leg_w']
            parts.append(Part(pu, root[2] + 1e-3).line(ident['coat'], root[:2], knee[:2], w))
            lower = ident['coat'] if not ident['socks'][i] else (235, 235, 230)
            lo = Part(pl, root[2] + 2e-3).banded_line([ident['coat'], lower], knee[:2],
                                                      hoof[:2], 0.8 * w, 2)
            lo.circle(ident['hoof'], hoof[:2], 0.5 * w)
            parts.append(lo)
            kp_legs[leg] = (knee[:2], hoof[:2])
        kps = np.array([head_kp[:2], neck_kp[:2], withers[:2], tail[:2],
                        kp_legs['fl'][0], kp_legs['fl'][1], kp_legs['fr'][0], kp_legs['fr'][1],
                        kp_legs['bl'][0], kp_legs['bl'][1], kp_legs['br'][0], kp_legs['br'][1]])
        L = self.LEGS
        owners = [[self.HEAD], [self.NECK], [self.BODY, self.NECK], [self.BODY, self.TAIL]]
        for leg in ('fl', 'fr', 'bl', 'br'):
            owners += [[L[leg][0], L[leg][1]], [L[leg][1]]]
        return parts, kps, owners, None


def _rot3(yaw, pitch, roll):
    cy, sy, cp, sp, cr, sr = (math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch),
                              math.cos(roll), math.sin(roll))
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def _silhouette(radii, rot):
    """The outline of an ellipsoid under orthographic projection along z: an ellipse.

    Returns:
        ((ax, ay), angle_deg) of the projected ellipse.
    """
    a = rot @ np.diag(1.0 / np.asarray(radii) ** 2) @ rot.T
    # Eliminating z from x^T A x = 1 (the contour where the view ray grazes the surface).
    m = a[:2, :2] - np.outer(a[:2, 2], a[2, :2]) / a[2, 2]
    w, v = np.linalg.eigh(m)
    axes = 1.0 / np.sqrt(w)
    angle = math.degrees(math.atan2(v[1, 0], v[0, 0]))
    return (float(axes[0]), float(axes[1])), angle


class Face(ProceduralClass):
    """A talking head: head turns, blinks, mouth motion; eyes, nose, mouth corners, jaw line."""
    name = 'face'
    BODY, HAIR, SKIN, LEYE, REYE, NOSE, MOUTH = range(1, 8)
    box_parts = (HAIR, SKIN, LEYE, REYE, NOSE, MOUTH)
    # Landmarks on the unit sphere (x to the face's left = image right, y down, z out of the face).
    SPHERE = dict(left_eye=(0.36, -0.18, 0.91), right_eye=(-0.36, -0.18, 0.91),
                  nose=(0.0, 0.15, 0.99), mouth_left=(0.3, 0.45, 0.84),
                  mouth_right=(-0.3, 0.45, 0.84), jaw_left_2=(0.78, 0.38, 0.5),
                  jaw_left_1=(0.5, 0.68, 0.53), chin=(0.0, 0.86, 0.5),
                  jaw_right_1=(-0.5, 0.68, 0.53), jaw_right_2=(-0.78, 0.38, 0.5))

    def identity(self, rng):
        skin = _tone(rng, SKIN_TONES)
        return dict(skin=skin, hair=_tone(rng, HAIR), shirt=random_colour(rng),
                    iris=_tone(rng, [(60, 40, 20), (40, 90, 140), (70, 110, 60)]),
                    lips=_tone(rng, [(180, 80, 80), (150, 70, 70), (200, 110, 110)]),
                    radii=(rng.uniform(0.17, 0.21), rng.uniform(0.22, 0.26), 0.2),
                    eye_w=rng.uniform(0.045, 0.06), eye_h=rng.uniform(0.02, 0.028),
                    nose_len=rng.uniform(1.08, 1.2), cx=rng.uniform(0.46, 0.54),
                    cy=rng.uniform(0.42, 0.48), hair_top=rng.uniform(0.75, 0.95))

    def motion(self, rng, num_frames, ident):
        slow = smooth_noise(rng, num_frames, 5, freq=(0.005, 0.03))
        talk = smooth_noise(rng, num_frames, 2, freq=(0.05, 0.15))
        blink = np.ones(num_frames)
        t = int(rng.integers(0, 40))
        while t < num_frames:  # blinks of 3-4 frames, every 1.5-4 s at 25 fps
            length = int(rng.integers(3, 5))
            span = blink[t:t + length]
            span[:] = np.array([0.4, 0.05, 0.05, 0.4])[:length][:len(span)]
            t += int(rng.integers(40, 100))
        return dict(yaw=rng.uniform(0.3, 0.95) * slow[:, 0], pitch=0.3 * slow[:, 1],
                    roll=0.25 * slow[:, 2], dx=0.03 * slow[:, 3], dy=0.02 * slow[:, 4],
                    mouth=np.clip(talk[:, 0], 0, 1), smile=0.12 * talk[:, 1], blink=blink)

    def pose(self, ident, m, t):
        rot = _rot3(float(m['yaw'][t]), float(m['pitch'][t]), float(m['roll'][t]))
        radii = np.asarray(ident['radii'])
        centre = np.array([ident['cx'] + m['dx'][t], ident['cy'] + m['dy'][t], 0.0])
        pts, facing = {}, {}
        for name, s in self.SPHERE.items():
            s = _unit(s)
            if name.startswith('mouth'):
                s = _unit(s * np.array([1 + m['smile'][t], 1.0, 1.0]))
            p = radii * s * (ident['nose_len'] if name == 'nose' else 1.0)
            pts[name] = centre + rot @ p
            facing[name] = (rot @ _unit(s / radii))[2] > 0.12
        parts = []
        neck_top = centre + rot @ np.array([0.0, 0.6 * radii[1], -0.3 * radii[2]])
        body = Part(self.BODY, -1.0).line(ident['skin'], neck_top[:2],
                                          [neck_top[0], 1.0], 0.45 * radii[0] * 2)
        body.poly(ident['shirt'], [[centre[0] - 0.45, 1.05], [centre[0] + 0.45, 1.05],
                                   [centre[0] + 0.3, centre[1] + 0.42],
                                   [centre[0] - 0.3, centre[1] + 0.42]])
        parts.append(body)
        hair_c = centre + rot @ np.array([0.0, -0.2 * radii[1], -0.15 * radii[2]])
        axes, ang = _silhouette(radii * np.array([1.07, ident['hair_top'], 1.07]), rot)
        parts.append(Part(self.HAIR, -0.5).ellipse(ident['hair'], hair_c[:2], axes, ang))
        axes, ang = _silhouette(radii, rot)
        parts.append(Part(self.SKIN, 0.0).ellipse(ident['skin'], centre[:2], axes, ang))
        roll_deg = math.degrees(float(m['roll'][t]))
        for name, pid in (('left_eye', self.LEYE), ('right_eye', self.REYE)):
            if not facing[name]:
                continue
            nz = (rot @ _unit(_unit(self.SPHERE[name]) / radii))[2]
            c = pts[name][:2]
            open_ = float(m['blink'][t])
            axes = (ident['eye_w'] * max(0.3, nz), max(ident['eye_h'] * open_, 0.006))
            eye = Part(pid, 0.5).ellipse((245, 245, 240), c, axes, roll_deg)
            if open_ > 0.3:
                eye.circle(ident['iris'], c, 0.8 * ident['eye_h'] * open_)
            brow = c + np.array([0.0, -2.2 * ident['eye_h']])
            eye.line(_darker(ident['hair']), brow - [ident['eye_w'] * nz, 0],
                     brow + [ident['eye_w'] * nz, 0], 0.3 * ident['eye_h'])
            parts.append(eye)
        if facing['nose'] or abs(float(m['yaw'][t])) < 1.2:
            bridge = centre + rot @ (radii * _unit((0.0, -0.12, 0.99)))
            nose = Part(self.NOSE, 0.6).line(_darker(ident['skin'], 0.85), bridge[:2],
                                             pts['nose'][:2], 0.035)
            nose.circle(_darker(ident['skin'], 0.6), pts['nose'][:2], 0.015)
            parts.append(nose)
        if facing['mouth_left'] or facing['mouth_right']:
            ml, mr = pts['mouth_left'][:2], pts['mouth_right'][:2]
            mouth = Part(self.MOUTH, 0.55).line(ident['lips'], ml, mr, 0.022)
            gap = float(m['mouth'][t]) * 0.035
            if gap > 0.004:
                ang = math.degrees(math.atan2(mr[1] - ml[1], mr[0] - ml[0]))
                mouth.ellipse((60, 20, 25), (ml + mr) / 2,
                              (0.4 * np.linalg.norm(mr - ml), gap), ang)
            parts.append(mouth)
        names = list(self.SPHERE)
        kps = np.array([pts[n][:2] for n in names])
        own = dict(left_eye=[self.LEYE], right_eye=[self.REYE], nose=[self.NOSE],
                   mouth_left=[self.MOUTH], mouth_right=[self.MOUTH])
        owners = [own.get(n, [self.SKIN]) for n in names]
        return parts, kps, owners, np.array([facing[n] for n in names])


CLASSES = {c.name: c for c in (UpperBody, Face, FullBody, Quadruped)}
