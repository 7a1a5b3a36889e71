"""WeCom (企業微信), as a thin client of our own: the callback crypto (``crypto``) and the limits of what
a message may carry (``limits``). wechatpy is unmaintained since 2021 and lacks the group robot."""
