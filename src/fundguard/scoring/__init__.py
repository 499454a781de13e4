"""Practitioner payment-qualification points (医保支付资格记分, 驾照式记分).

Terms (English code name ↔ Chinese UI term):

- person file ↔ 一人一档 / 医保诚信档案 (keyed by ``prac_psn_code``, the national lifelong code 唯一身份代码)
- points entry ↔ 记分记录; ledger ↔ 记分台账; behaviour ↔ 违规行为 (V-1…V-25 and minor codes)
- proposal ↔ 拟记分; decision ↔ 记分决定; reviewer ↔ 审核人; notice ↔ 告知书 / 通知
- external entry ↔ 外地/历史系统已作出的记分 (contract table ``points``)
- reversal ↔ 更正冲销; appeal ↔ 申诉; upheld / reduced / revoked ↔ 维持 / 减少 / 撤销
- repair ↔ 修复; year total ↔ 年度累计记分; year reset ↔ 年度清零
- suspension ↔ 暂停医保支付资格; termination ↔ 终止医保支付资格
- re-registration ban ↔ 不得再次登记备案 (``barred_until``); reinstatement ↔ 重新登记备案
- emergency exception ↔ 急救、抢救除外
- 卫健 health commission, 药监 drug regulator (notification lists); HIS interception list ↔ 拦截名单

Modules by step: ``catalogue`` (behaviours and bands), ``ledger`` (append-only hash chain),
``status`` (pure derivation of the qualification status), ``periods`` (stored status),
``proposals``, ``appeals``, ``repair``, ``external`` (contract import), ``notices``, ``exports``,
``emergency``; ``service`` is the public API, ``views``/``cli`` are thin shells.
"""
